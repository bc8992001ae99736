import { useEffect, useRef } from "react";

export interface InboxKeyHandlers {
  count: number;
  active: number;
  setActive: (index: number) => void;
  open: (index: number) => void;
  toggle: (index: number) => void;
  search: () => void;
  help: () => void;
  escape: () => void;
}

type KeyName = "down" | "up" | "open" | "toggle" | "search" | "help" | null;

/** By physical key where it matters, so the Russian layout works too (j is «о», / is «.»). */
export function keyName(event: Pick<KeyboardEvent, "key" | "code" | "shiftKey">): KeyName {
  if (event.key === "ArrowDown" || event.code === "KeyJ" || event.key === "j") return "down";
  if (event.key === "ArrowUp" || event.code === "KeyK" || event.key === "k") return "up";
  if (event.key === "Enter") return "open";
  if (event.code === "KeyX" || event.key === "x") return "toggle";
  if (event.key === "?" || (event.code === "Slash" && event.shiftKey)) return "help";
  if (event.key === "/" || event.code === "Slash") return "search";
  return null;
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The inbox's keys: j/k move, Enter opens, x selects, / searches, ? lists the keys, Esc leaves a field. */
export function useInboxKeys(handlers: InboxKeyHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const h = ref.current;
      if (event.key === "Escape") {
        if (isTyping(event.target)) (event.target as HTMLElement).blur();
        h.escape();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      switch (keyName(event)) {
        case "down":
          event.preventDefault();
          if (h.count) h.setActive(Math.min(h.active + 1, h.count - 1));
          break;
        case "up":
          event.preventDefault();
          if (h.count) h.setActive(Math.max(h.active - 1, 0));
          break;
        case "open":
          if (h.active >= 0 && h.active < h.count) {
            event.preventDefault();
            h.open(h.active);
          }
          break;
        case "toggle":
          if (h.active >= 0 && h.active < h.count) {
            event.preventDefault();
            h.toggle(h.active);
          }
          break;
        case "search":
          event.preventDefault();
          h.search();
          break;
        case "help":
          event.preventDefault();
          h.help();
          break;
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
