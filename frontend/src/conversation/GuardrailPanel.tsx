import type { GuardrailViolation, RepeatCheck } from "../api/types";
import { formatDateTime } from "../lib/format";

interface Props {
  status: "ok" | "warn" | "block" | null;
  violations: GuardrailViolation[];
  repeat?: RepeatCheck | null;
  checking?: boolean;
  timeZone: string;
}

/** What the checks before sending say: blocks, warnings, and the repeated-answer hold. */
export function GuardrailPanel({ status, violations, repeat, checking, timeZone }: Props) {
  if (status === null) return checking ? <div className="guard guard-pending">Проверяем ответ…</div> : null;
  return (
    <div className={`guard guard-${repeat?.held && status === "ok" ? "warn" : status}`} aria-live="polite" data-testid="guardrail">
      <div className="guard-title">
        {status === "ok" && !repeat?.held && "Проверка пройдена: ответ можно отправлять."}
        {status === "block" && "Так отправить нельзя: маркетплейс скроет или оштрафует такой ответ."}
        {status === "warn" && "Есть замечания: отправить можно после подтверждения."}
        {status === "ok" && repeat?.held && "Ответ почти повторяет недавние ответы магазина."}
        {checking && <span className="muted"> · проверяем…</span>}
      </div>
      {violations.length > 0 && (
        <ul className="violations">
          {violations.map((violation, index) => (
            <li key={index} className={`violation violation-${violation.verdict}`}>
              <b>{violation.name}</b>: «{violation.fragment}». <span className="muted">{violation.explanation}</span>
            </li>
          ))}
        </ul>
      )}
      {repeat?.held && (
        <div className="repeat">
          <p>
            Похожие ответы (порог {repeat.threshold}%): маркетплейс может счесть одинаковые ответы спамом.
          </p>
          <ul>
            {repeat.similar.map((similar) => (
              <li key={similar.id}>
                <span className="score">{Math.round(similar.score)}%</span> «{similar.text}»{" "}
                <span className="muted">
                  {formatDateTime(similar.sent_at, timeZone)}
                  {similar.same_product ? ", тот же товар" : ""}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
