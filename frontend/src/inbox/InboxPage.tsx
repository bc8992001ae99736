import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, call, ApiError } from "../api/client";
import { keys, prefetchInteraction, useInbox } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { ShortcutsHelp } from "../components/ShortcutsHelp";
import { plural } from "../lib/format";
import { useNow } from "../lib/useNow";
import { FilterBar } from "./FilterBar";
import { filtersToQuery, filtersToSearch, parseFilters, type InboxFilters } from "./filters";
import { InboxRow } from "./InboxRow";
import { useInboxKeys } from "./useInboxKeys";

const ROWS = ["обращение", "обращения", "обращений"] as [string, string, string];

// The row the seller was on, kept while they open a conversation and come back (per tab).
const ACTIVE_KEY = "agentiq.inbox.active";

export function InboxPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [params]);
  const query = useMemo(() => filtersToQuery(filters), [filters]);
  const inbox = useInbox(query);
  const rows = useMemo(() => inbox.data?.pages.flatMap((page) => page.results) ?? [], [inbox.data]);
  const { timeZone } = useAuth();
  const now = useNow();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const [active, setActiveIndex] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [help, setHelp] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 92,
    overscan: 8,
    getItemKey: (index) => rows[index]?.id ?? index,
  });

  // Back from a conversation: the same row again.
  useEffect(() => {
    const lastActiveId = Number(sessionStorage.getItem(ACTIVE_KEY));
    if (!lastActiveId || !rows.length) return;
    const index = rows.findIndex((row) => row.id === lastActiveId);
    sessionStorage.removeItem(ACTIVE_KEY);
    if (index >= 0) {
      setActiveIndex(index);
      virtualizer.scrollToIndex(index, { align: "center" });
    }
  }, [rows, virtualizer]);

  const setActive = useCallback(
    (index: number) => {
      setActiveIndex(index);
      virtualizer.scrollToIndex(index, { align: "auto" });
      const row = rows[index];
      if (row) void prefetchInteraction(queryClient, row.id);
    },
    [rows, virtualizer, queryClient],
  );

  const open = useCallback(
    (index: number) => {
      const row = rows[index];
      if (!row) return;
      sessionStorage.setItem(ACTIVE_KEY, String(row.id));
      navigate(`/interactions/${row.id}`, { state: { from: `/?${params.toString()}` } });
    },
    [rows, navigate, params],
  );

  const toggle = useCallback(
    (index: number) => {
      const row = rows[index];
      if (!row) return;
      setSelected((current) => {
        const next = new Set(current);
        if (next.has(row.id)) next.delete(row.id);
        else next.add(row.id);
        return next;
      });
    },
    [rows],
  );

  useInboxKeys({
    count: rows.length,
    active,
    setActive,
    open,
    toggle,
    search: () => searchRef.current?.focus(),
    help: () => setHelp(true),
    escape: () => (help ? setHelp(false) : setSelected(new Set())),
  });

  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems[virtualItems.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastVisible >= rows.length - 15 && inbox.hasNextPage && !inbox.isFetchingNextPage) void inbox.fetchNextPage();
  }, [lastVisible, rows.length, inbox]);

  useEffect(() => {
    if (active >= rows.length && rows.length) setActiveIndex(rows.length - 1);
  }, [active, rows.length]);

  const changeFilters = (next: InboxFilters) => {
    setParams(filtersToSearch(next), { replace: false });
    setActiveIndex(0);
    setSelected(new Set());
    listRef.current?.scrollTo({ top: 0 });
  };

  const bulk = useMutation({
    mutationFn: (action: "close" | "mark_read") =>
      call(api.POST("/api/interactions/bulk", { body: { action, ids: [...selected] } })),
    onSuccess: () => {
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: keys.inboxAll });
    },
  });

  return (
    <section className="inbox" aria-label="Входящие">
      <FilterBar ref={searchRef} filters={filters} onChange={changeFilters} />
      <div className="inbox-status" aria-live="polite">
        {selected.size > 0 ? (
          <div className="bulk">
            <span>Выбрано {plural(selected.size, ROWS)}</span>
            <button type="button" onClick={() => bulk.mutate("close")} disabled={bulk.isPending}>Закрыть</button>
            <button type="button" onClick={() => bulk.mutate("mark_read")} disabled={bulk.isPending}>Прочитано</button>
            <button type="button" className="link" onClick={() => setSelected(new Set())}>Снять выбор</button>
            {bulk.isPending && <span className="muted">Сохраняем…</span>}
            {bulk.error && <span className="error">{(bulk.error as ApiError).message}</span>}
          </div>
        ) : (
          <span className="muted">
            {inbox.isPending
              ? "Загружаем обращения…"
              : `${inbox.hasNextPage ? "Показано " : ""}${plural(rows.length, ROWS)}${inbox.hasNextPage ? " (листайте — подгрузим ещё)" : ""}`}
          </span>
        )}
        <button type="button" className="link keys-hint" onClick={() => setHelp(true)}>Клавиши ( ? )</button>
      </div>
      {inbox.isError && (
        <div className="error-box" role="alert">
          {(inbox.error as ApiError).message}{" "}
          <button type="button" onClick={() => void inbox.refetch()}>Повторить</button>
        </div>
      )}
      <div className="list" ref={listRef} role="listbox" aria-label="Обращения" tabIndex={0}>
        {!inbox.isPending && rows.length === 0 && !inbox.isError && (
          <div className="empty">
            <p>Здесь пока пусто.</p>
            <p className="muted">Обращений по этим условиям нет. Сбросьте фильтры или подождите новых.</p>
          </div>
        )}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualItems.map((item) => {
            const row = rows[item.index];
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="row-slot"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <InboxRow
                  row={row}
                  active={item.index === active}
                  selected={selected.has(row.id)}
                  now={now}
                  timeZone={timeZone}
                  onOpen={() => open(item.index)}
                  onToggle={() => toggle(item.index)}
                  onHover={() => void prefetchInteraction(queryClient, row.id)}
                />
              </div>
            );
          })}
        </div>
        {inbox.isFetchingNextPage && <div className="muted loading-more">Загружаем ещё…</div>}
      </div>
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
    </section>
  );
}
