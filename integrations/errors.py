"""Typed errors every marketplace client raises. Messages are seller-readable Russian and never carry a secret.

The sync engine and delivery catch these at the edge: AuthFailed marks the connection invalid (no retry),
RateLimited waits `retry_after`, TransientError retries with backoff, PermanentError gives up.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """Base of every marketplace error. `code` is a short English slug for logs, admin and the API."""

    code = "integration_error"
    default_message = "Ошибка обмена данными с маркетплейсом."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class AuthFailed(IntegrationError):
    """The credentials were refused: the connection becomes invalid and is not retried until the seller fixes it."""

    code = "auth_failed"
    default_message = "Маркетплейс не принял ключ API: проверьте или замените его."


class SubscriptionRequired(AuthFailed):
    """Ozon answers chat history, reviews and questions only for sellers with Premium Plus."""

    code = "subscription_required"
    default_message = "Для чатов, отзывов и вопросов Ozon нужна подписка Premium Plus."


class RateLimited(IntegrationError):
    code = "rate_limited"
    default_message = "Маркетплейс ограничил частоту запросов, повторим позже."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float = 1.0,
        code: str | None = None,
        status: int | None = 429,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = float(retry_after)


class TransientError(IntegrationError):
    """Worth retrying. `ambiguous` means the request may have reached the marketplace (read timeout after
    sending): a write must be looked up (outbound.find_sent_reply) before it is sent again."""

    code = "transient"
    default_message = "Маркетплейс временно недоступен, повторим позже."

    def __init__(
        self,
        message: str | None = None,
        *,
        ambiguous: bool = False,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.ambiguous = ambiguous


class PermanentError(IntegrationError):
    """A 4xx a retry will not fix: bad request, reply window closed, text refused."""

    code = "permanent"
    default_message = "Маркетплейс отклонил запрос."


class BadResponse(TransientError):
    """A page that does not parse at all (malformed JSON, wrong envelope)."""

    code = "bad_response"
    default_message = "Маркетплейс вернул ответ, который не удалось разобрать."
