"""Reply delivery: `delivery.deliver_reply` claims a queued reply, sends it at most once and records the
outcome; `outbound` speaks to each marketplace (send, and find an already-sent reply after a crash)."""
