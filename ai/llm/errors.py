"""What an LLM call raises instead of an answer. Catch `LLMError` to fall back to the offline analyzer.

Messages are Russian (staff and sellers may read them) and never carry a key, a prompt or the API's body;
`code` is a short English slug, the same one written to `LLMCall.error`.
"""

from __future__ import annotations

from decimal import Decimal


class LLMError(Exception):
    code = "llm_error"
    default_message = "ИИ не смог ответить."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class LLMUnavailable(LLMError):
    """No answer: the API was down, slow, rate-limiting past the deadline, refused the request, or is off.

    Codes: timeout, connection_error, rate_limited, server_error, deadline, bad_response, and from
    `LLMRejected` and `LLMDisabled` below."""

    code = "unavailable"
    default_message = "ИИ сейчас недоступен."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status


class LLMRejected(LLMUnavailable):
    """A 4xx other than 429 (bad key, no balance, bad request): retrying will not help, so it was not retried.

    Codes: auth_failed (401, 403), payment_required (402), bad_request (400, 422), not_found (404), rejected."""

    code = "rejected"
    default_message = "API ИИ отклонил запрос."


class LLMDisabled(LLMUnavailable):
    """Not called at all: AI is switched off (runtime setting `ai_enabled`) or no API key is configured."""

    code = "disabled"
    default_message = "ИИ выключен."


class LLMInvalid(LLMError):
    """The model answered, but not per the schema, and its one repair attempt did not fix it.

    `problems` lists what was wrong with the last answer (our wording, no answer text)."""

    code = "invalid"
    default_message = "ИИ ответил не по формату."

    def __init__(self, message: str | None = None, *, code: str | None = None, problems: list[str] | None = None):
        super().__init__(message, code=code)
        self.problems = list(problems or [])


class BudgetExhausted(LLMError):
    """The seller's AI spending today reached `ai_daily_budget_usd`: no call was made."""

    code = "budget_exhausted"
    default_message = "Дневной бюджет ИИ исчерпан."

    def __init__(self, *, spent_usd: Decimal, budget_usd: Decimal) -> None:
        super().__init__(f"Дневной бюджет ИИ исчерпан: потрачено ${spent_usd:.4f} из ${budget_usd:.4f}.")
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
