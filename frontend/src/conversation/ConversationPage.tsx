import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api, ApiError, call } from "../api/client";
import { keys, useInteraction, useTeam } from "../api/queries";
import type { InteractionDetail, ProductCard } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { Chip, IntentChip, KindLabel, MarketplaceBadge, PriorityChip, SentimentChip, SlaBadge, Stars } from "../components/Chips";
import { isTyping } from "../inbox/useInboxKeys";
import { formatDateTime, slaView } from "../lib/format";
import { PRIORITIES, STATUSES } from "../lib/labels";
import { useNow } from "../lib/useNow";
import { ReplyEditor } from "./ReplyEditor";
import { Thread } from "./Thread";

type Patch = { status?: string; priority?: string; assigned_to?: number | null };

export function ConversationPage() {
  const id = Number(useParams().id);
  const detail = useInteraction(id);
  const { timeZone } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const back = (location.state as { from?: string } | null)?.from ?? "/";

  // Opening it reads it.
  const read = useMutation({
    mutationFn: () => call(api.POST("/api/interactions/{interaction_id}/read", { params: { path: { interaction_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.inboxAll }),
  });
  const unread = detail.data && !detail.data.is_read;
  useEffect(() => {
    if (unread && !read.isPending) read.mutate();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [unread]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (event.key === "Escape") navigate(back);
      if (event.code === "KeyR" || event.key === "r") {
        event.preventDefault();
        replyRef.current?.focus();
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [navigate, back]);

  if (detail.isPending) return <div className="page muted">Загружаем обращение…</div>;
  if (detail.isError) {
    const error = detail.error as ApiError;
    return (
      <div className="page">
        <p className="error" role="alert">{error.status === 404 ? "Обращение не найдено." : error.message}</p>
        <Link to={back}>← Ко входящим</Link>
      </div>
    );
  }
  const data = detail.data;
  return (
    <article className="conversation">
      <header className="conv-head">
        <Link to={back} className="back" aria-label="Ко входящим (Esc)">←</Link>
        <MarketplaceBadge marketplace={data.marketplace} />
        <KindLabel kind={data.kind} />
        <h1>{data.author_name || data.customer?.name || "Покупатель"}</h1>
        <Stars rating={data.rating} />
      </header>
      <div className="conv-grid">
        <div className="conv-main">
          <Thread messages={data.messages} rating={data.rating} timeZone={timeZone} />
          <ReplyEditor key={data.id} ref={replyRef} detail={data} timeZone={timeZone} />
        </div>
        <aside className="conv-side">
          <Controls detail={data} />
          <Analysis detail={data} />
          <Product card={data.product_card} name={data.product_name} productId={data.product_id} />
        </aside>
      </div>
    </article>
  );
}

function Controls({ detail }: { detail: InteractionDetail }) {
  const queryClient = useQueryClient();
  const team = useTeam();
  const now = useNow();
  const { timeZone } = useAuth();
  const patch = useMutation({
    mutationFn: (body: Patch) =>
      call(
        api.PATCH("/api/interactions/{interaction_id}", {
          params: { path: { interaction_id: detail.id } },
          body: body as never,
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(keys.interaction(detail.id), updated);
      void queryClient.invalidateQueries({ queryKey: keys.inboxAll });
    },
  });
  const sla = slaView(detail, now);
  return (
    <section className="card controls" aria-label="Работа с обращением">
      {detail.needs_response && detail.status !== "closed" ? (
        <>
          <div className="sla-line">
            <SlaBadge view={sla} />
            {detail.sla.due_at && <span className="muted">срок {formatDateTime(detail.sla.due_at, timeZone)}</span>}
          </div>
          {detail.sla.rule && <p className="muted small">{detail.sla.rule.reason}</p>}
        </>
      ) : (
        <p className="muted small">Ответа не ждёт.</p>
      )}
      <label>
        Статус
        <select value={detail.status} onChange={(e) => patch.mutate({ status: e.target.value })} disabled={patch.isPending}>
          {Object.entries(STATUSES).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      </label>
      <label>
        Приоритет
        <select value={detail.priority} onChange={(e) => patch.mutate({ priority: e.target.value })} disabled={patch.isPending}>
          {Object.entries(PRIORITIES).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      </label>
      <label>
        Ответственный
        <select
          value={detail.assigned_to?.id ?? ""}
          onChange={(e) => patch.mutate({ assigned_to: e.target.value ? Number(e.target.value) : null })}
          disabled={patch.isPending}
        >
          <option value="">Не назначен</option>
          {(team.data ?? []).filter((member) => member.is_active !== false).map((member) => (
            <option key={member.id} value={member.id}>{member.full_name || member.email}</option>
          ))}
        </select>
      </label>
      {patch.isPending && <p className="muted small">Сохраняем…</p>}
      {patch.error && <p className="error small" role="alert">{(patch.error as ApiError).message}</p>}
    </section>
  );
}

function Analysis({ detail }: { detail: InteractionDetail }) {
  if (!detail.ai_analyzed_at) return <section className="card"><h2>Анализ ИИ</h2><p className="muted">Ещё не проанализировано.</p></section>;
  return (
    <section className="card" aria-label="Анализ ИИ">
      <h2>Анализ ИИ</h2>
      <div className="chips">
        <IntentChip intent={detail.intent} />
        <SentimentChip sentiment={detail.sentiment} />
        <PriorityChip priority={detail.priority} />
        {detail.ai_needs_reply === false && <Chip>Ответ не нужен</Chip>}
      </div>
      {detail.ai_summary && <p className="summary">{detail.ai_summary}</p>}
    </section>
  );
}

function lastPrice(card: ProductCard): string | null {
  const history = Array.isArray(card.price_history) ? card.price_history : [];
  const last = history[history.length - 1] as { price?: { RUB?: number } } | undefined;
  const kopecks = last?.price?.RUB;
  if (typeof kopecks !== "number") return null;
  return `${Math.round(kopecks / 100).toLocaleString("ru-RU")} ₽`;
}

function Product({ card, name, productId }: { card: ProductCard | null; name: string; productId: string }) {
  if (!card && !name && !productId) return null;
  const price = card ? lastPrice(card) : null;
  return (
    <section className="card" aria-label="Товар">
      <h2>Товар</h2>
      <p className="product-name">{card?.name || name || "Без названия"}</p>
      <dl className="facts">
        {card?.brand && (<><dt>Бренд</dt><dd>{card.brand}</dd></>)}
        {productId && (<><dt>Артикул</dt><dd>{productId}</dd></>)}
        {card?.vendor_code && (<><dt>Артикул продавца</dt><dd>{card.vendor_code}</dd></>)}
        {card?.category && (<><dt>Категория</dt><dd>{card.category}</dd></>)}
        {price && (<><dt>Цена</dt><dd>{price}</dd></>)}
      </dl>
    </section>
  );
}
