import { useEffect, useRef } from "react";

const KEYS: [string, string][] = [
  ["j / ↓", "следующее обращение"],
  ["k / ↑", "предыдущее обращение"],
  ["Enter", "открыть"],
  ["x", "выбрать / снять выбор"],
  ["/", "поиск"],
  ["Esc", "выйти из поля, закрыть окно, назад к списку"],
  ["?", "эта подсказка"],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="keys-title">Клавиши</h2>
        <dl className="keys">
          {KEYS.map(([key, what]) => (
            <div key={key}>
              <dt><kbd>{key}</kbd></dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button ref={closeRef} type="button" onClick={onClose}>Закрыть</button>
      </div>
    </div>
  );
}
