import type { components } from "./schema";

type Schemas = components["schemas"];

export type InboxRow = Schemas["InteractionListOutput"];
export type InboxPage = Schemas["InboxPage"];
export type InteractionDetail = Schemas["InteractionDetailOutput"];
export type Message = Schemas["MessageOutput"];
export type GuardrailVerdict = Schemas["GuardrailVerdict"];
export type GuardrailViolation = Schemas["GuardrailViolation"];
export type ReplyCheck = Schemas["ReplyCheck"];
export type RepeatCheck = Schemas["RepeatCheck"];
export type Draft = Schemas["DraftOutput"];
export type Me = Schemas["MeOutput"];
export type Shop = Schemas["SellerOutput"];
export type ShopPatch = Schemas["PatchedShopUpdateInputRequest"];
export type Member = Schemas["UserOutput"];
export type Stats = Schemas["Stats"];
export type ProductCard = Schemas["ProductCardOutput"];

/** POST /api/auth/token answers simplejwt's pair (not described in the schema). */
export interface TokenPair {
  access: string;
  refresh: string;
}
