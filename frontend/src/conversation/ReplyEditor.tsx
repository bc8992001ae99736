import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { forwardRef, useEffect, useState } from "react";
import { api, ApiError, call } from "../api/client";
import { keys } from "../api/queries";
import type { GuardrailViolation, InteractionDetail, RepeatCheck } from "../api/types";
import { DRAFT_SOURCES, label } from "../lib/labels";
import { useDebounced } from "../lib/useDebounced";
import { GuardrailPanel } from "./GuardrailPanel";

interface Refusal {
  code: "guardrail_blocked" | "guardrail_warning" | "repeat_held";
  detail: string;
  violations: GuardrailViolation[];
  repeat: RepeatCheck | null;
}

const CHECK_DELAY_MS = 400;

export function useReplyCheck(interactionId: number, text: string) {
  const debounced = useDebounced(text, CHECK_DELAY_MS);
  const query = useQuery({
    queryKey: ["reply-check", interactionId, debounced],
    queryFn: ({ signal }) =>
      call(api.POST("/api/replies/check", { body: { interaction: interactionId, text: debounced }, signal })),
    enabled: debounced.trim().length > 0,
    staleTime: 60_000,
    placeholderData: (previous) => previous,
  });
  return { ...query, settled: debounced === text };
}

interface Props {
  detail: InteractionDetail;
  timeZone: string;
}

export const ReplyEditor = forwardRef<HTMLTextAreaElement, Props>(function ReplyEditor({ detail, timeZone }, textRef) {
  const queryClient = useQueryClient();
  const [text, setText] = useState(detail.draft_text);
  const [edited, setEdited] = useState(false);
  const [instruction, setInstruction] = useState("");
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [sentNotice, setSentNotice] = useState<string | null>(null);

  // A new draft from the server (the analysis finished, another tab regenerated) replaces an untouched one.
  useEffect(() => {
    if (!edited) setText(detail.draft_text);
  }, [detail.draft_text, edited]);

  const check = useReplyCheck(detail.id, text);
  const fromDraft = text === detail.draft_text && detail.draft_guardrail;
  const verdict = check.data && check.settled ? check.data : fromDraft ? { ...detail.draft_guardrail!, repeat: null } : check.data;

  const regenerate = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/interactions/{interaction_id}/draft", {
          params: { path: { interaction_id: detail.id } },
          body: instruction.trim() ? { instruction: instruction.trim() } : {},
        }),
      ),
    onSuccess: (draft) => {
      setText(draft.text);
      setEdited(false);
      setRefusal(null);
      queryClient.setQueryData(["reply-check", detail.id, draft.text], undefined);
      void queryClient.invalidateQueries({ queryKey: keys.interaction(detail.id) });
    },
  });

  const send = useMutation({
    mutationFn: (confirm: { confirm_warnings: boolean; confirm_repeat: boolean }) =>
      call(
        api.POST("/api/interactions/{interaction_id}/reply", {
          params: { path: { interaction_id: detail.id } },
          body: { text, ...confirm },
        }),
      ),
    onMutate: () => {
      setRefusal(null);
      setSentNotice(null);
    },
    onSuccess: () => {
      setText("");
      setEdited(true);
      setSentNotice("Ответ поставлен в очередь на отправку. Состояние доставки — в переписке выше.");
      void queryClient.invalidateQueries({ queryKey: keys.interaction(detail.id) });
      void queryClient.invalidateQueries({ queryKey: keys.inboxAll });
    },
    onError: (error) => {
      if (error instanceof ApiError && ["guardrail_blocked", "guardrail_warning", "repeat_held"].includes(error.code)) {
        setRefusal({
          code: error.code as Refusal["code"],
          detail: error.message,
          violations: (error.body.violations as GuardrailViolation[]) ?? [],
          repeat: (error.body.repeat as RepeatCheck) ?? null,
        });
      }
    },
  });

  const [confirmed, setConfirmed] = useState({ confirm_warnings: false, confirm_repeat: false });
  const blocked = verdict?.status === "block";
  const empty = !text.trim();

  function submit(extra: Partial<typeof confirmed> = {}) {
    const next = { ...confirmed, ...extra };
    setConfirmed(next);
    send.mutate(next);
  }

  return (
    <section className="reply" aria-label="Ответ">
      <div className="reply-head">
        <h2>Ответ</h2>
        {detail.draft_source && text === detail.draft_text && (
          <span className="muted">
            Черновик: {label(DRAFT_SOURCES, detail.draft_source)}
            {detail.draft_reason ? ` — ${detail.draft_reason}` : ""}
          </span>
        )}
      </div>
      <textarea
        ref={textRef}
        className="reply-text"
        aria-label="Текст ответа"
        rows={6}
        value={text}
        placeholder="Напишите ответ покупателю…"
        onChange={(event) => {
          setText(event.target.value);
          setEdited(true);
          setRefusal(null);
          setConfirmed({ confirm_warnings: false, confirm_repeat: false });
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !blocked && !empty) submit();
        }}
      />
      <div className="regen">
        <input
          aria-label="Пожелание к черновику"
          placeholder="Пожелание к черновику: «короче», «предложи обмен»…"
          value={instruction}
          maxLength={500}
          onChange={(event) => setInstruction(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              regenerate.mutate();
            }
          }}
        />
        <button type="button" onClick={() => regenerate.mutate()} disabled={regenerate.isPending}>
          {regenerate.isPending ? "Пишем черновик…" : "Переписать черновик"}
        </button>
      </div>
      {regenerate.error && <p className="error" role="alert">{(regenerate.error as ApiError).message}</p>}

      {!empty && (
        <GuardrailPanel
          status={verdict?.status ?? null}
          violations={verdict?.violations ?? []}
          repeat={verdict && "repeat" in verdict ? verdict.repeat : null}
          checking={check.isFetching || !check.settled}
          timeZone={timeZone}
        />
      )}

      {refusal && (
        <div className={`refusal refusal-${refusal.code}`} role="alert">
          <p><b>{refusal.detail}</b></p>
          {refusal.code !== "repeat_held" && (
            <ul className="violations">
              {refusal.violations.map((violation, index) => (
                <li key={index}><b>{violation.name}</b>: «{violation.fragment}»</li>
              ))}
            </ul>
          )}
          {refusal.code === "repeat_held" && refusal.repeat && (
            <ul>
              {refusal.repeat.similar.map((similar) => (
                <li key={similar.id}>{Math.round(similar.score)}% — «{similar.text}»</li>
              ))}
            </ul>
          )}
          {refusal.code === "guardrail_warning" && (
            <button type="button" className="warn-button" onClick={() => submit({ confirm_warnings: true })}>
              Отправить, несмотря на замечания
            </button>
          )}
          {refusal.code === "repeat_held" && (
            <button type="button" className="warn-button" onClick={() => submit({ confirm_repeat: true })}>
              Всё равно отправить
            </button>
          )}
        </div>
      )}
      {send.error && !refusal && <p className="error" role="alert">{(send.error as ApiError).message}</p>}
      {sentNotice && <p className="success" role="status">{sentNotice}</p>}

      <div className="reply-actions">
        <button
          type="button"
          className="primary"
          disabled={empty || blocked || send.isPending}
          onClick={() => submit()}
          title={blocked ? "Исправьте то, что запрещено правилами ответа" : "Ctrl+Enter"}
        >
          {send.isPending ? "Отправляем…" : "Отправить"}
        </button>
        <span className="muted">Ctrl+Enter</span>
      </div>
    </section>
  );
});
