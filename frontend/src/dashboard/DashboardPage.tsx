import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, ApiError, call } from "../api/client";
import { keys } from "../api/queries";
import { formatDuration, plural } from "../lib/format";

const dayFormat = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** "2026-11-02" (a day of the shop's calendar) → "2 ноября 2026 г." */
function formatDay(day: string): string {
  return dayFormat.format(new Date(`${day}T00:00:00Z`));
}

/** The first figures of /api/stats (charts with a date range and drill-down are the next slice). */
export function DashboardPage() {
  const stats = useQuery({ queryKey: keys.stats("", ""), queryFn: () => call(api.GET("/api/stats")) });
  if (stats.isPending) return <div className="page muted">Считаем…</div>;
  if (stats.isError) return <div className="page error" role="alert">{(stats.error as ApiError).message}</div>;
  const s = stats.data;
  const median = s.first_response.median_seconds;
  const ratings = [5, 4, 3, 2, 1].map((star) => [star, s.rating_distribution[String(star)] ?? 0] as const);
  const maxRating = Math.max(1, ...ratings.map(([, n]) => n));
  return (
    <div className="page dashboard">
      <h1>Сводка</h1>
      <p className="muted">{formatDay(s.date_from)} — {formatDay(s.date_to)}</p>
      <div className="tiles">
        <Link className="tile" to="/?needs_response=true">
          <span className="tile-value">{s.needs_response_count}</span>
          <span className="tile-label">{plural(s.needs_response_count, ["ждёт", "ждут", "ждут"]).replace(/^\S+ /, "")} ответа</span>
        </Link>
        <div className="tile">
          <span className="tile-value">{s.interactions_count}</span>
          <span className="tile-label">{plural(s.interactions_count, ["обращение", "обращения", "обращений"]).replace(/^\S+ /, "")} за период</span>
        </div>
        <Link className="tile" to="/?sla_state=breached">
          <span className="tile-value">{s.sla.compliance_pct === null ? "—" : `${s.sla.compliance_pct}%`}</span>
          <span className="tile-label">ответов в срок</span>
        </Link>
        <div className="tile">
          <span className="tile-value">{median === null ? "—" : formatDuration(median * 1000)}</span>
          <span className="tile-label">медиана первого ответа</span>
        </div>
      </div>
      <section className="card">
        <h2>Оценки в отзывах</h2>
        <ul className="bars">
          {ratings.map(([star, count]) => (
            <li key={star}>
              <Link to={`/?kind=review&rating=${star}`}>{star} ★</Link>
              <span className="bar" style={{ width: `${(count / maxRating) * 100}%` }} />
              <span className="bar-count">{count}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
