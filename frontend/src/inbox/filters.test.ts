import { describe, expect, it } from "vitest";
import { filtersToQuery, filtersToSearch, parseFilters } from "./filters";

describe("inbox filters in the URL", () => {
  it("round-trips through the query string", () => {
    const params = new URLSearchParams("marketplace=wb,ozon&kind=review&rating=1-2&q=брак&needs_response=true");
    const filters = parseFilters(params);
    expect(filters.marketplace).toEqual(["wb", "ozon"]);
    expect(filters.rating).toBe("1-2");
    expect(filtersToSearch(filters).toString()).toBe(params.toString());
  });

  it("drops values it does not know", () => {
    const filters = parseFilters(new URLSearchParams("rating=9&needs_response=maybe&assigned_to=x"));
    expect(filters.rating).toBe("");
    expect(filters.needs_response).toBe("");
    expect(filters.assigned_to).toBe("");
    expect(filtersToSearch(filters).toString()).toBe("");
  });

  it("becomes the API's query", () => {
    const query = filtersToQuery(parseFilters(new URLSearchParams("kind=review,question&rating=5&sla_state=breached&q=+ok+")));
    expect(query).toEqual({ kind: ["review", "question"], rating_min: 5, rating_max: 5, sla_state: ["breached"], q: "ok" });
  });
});
