// Russian names of the API's enum values (the same words as the models' choices).

export const MARKETPLACES: Record<string, string> = { wb: "Wildberries", ozon: "Ozon" };
export const MARKETPLACE_SHORT: Record<string, string> = { wb: "WB", ozon: "Ozon" };

export const KINDS: Record<string, string> = { chat: "Чат", question: "Вопрос", review: "Отзыв" };

export const STATUSES: Record<string, string> = {
  new: "Новое",
  open: "Открыто",
  waiting: "Ждём покупателя",
  closed: "Закрыто",
};

export const PRIORITIES: Record<string, string> = {
  urgent: "Срочный",
  high: "Высокий",
  normal: "Обычный",
  low: "Низкий",
};

export const SLA_STATES: Record<string, string> = {
  ok: "В срок",
  due_soon: "Скоро срок",
  breached: "Просрочено",
  paused: "Ждём ответа покупателя",
};

export const SENTIMENTS: Record<string, string> = {
  negative: "Негатив",
  neutral: "Нейтрально",
  positive: "Позитив",
};

export const INTENTS: Record<string, string> = {
  delivery: "Доставка",
  order_status: "Статус заказа",
  return_refund: "Возврат",
  defect_quality: "Брак, качество",
  size_fit: "Размер",
  product_question: "Вопрос о товаре",
  complaint: "Претензия",
  gratitude: "Благодарность",
  other: "Другое",
};

export const DELIVERY_STATES: Record<string, string> = {
  pending: "В очереди",
  sending: "Отправляется",
  sent: "Отправлено",
  failed: "Не отправлено",
};

export const MARKETPLACE_STATES: Record<string, string> = {
  sent: "Доставлен, ещё не показан",
  in_moderation: "На модерации",
  published: "Опубликован",
  rejected: "Отклонён маркетплейсом",
  edited: "Изменён на маркетплейсе",
  deleted: "Удалён на маркетплейсе",
};

export const AUTHORS: Record<string, string> = {
  buyer: "Покупатель",
  seller: "Продавец",
  system: "Система",
  auto_reply: "Автоответ",
};

export const DRAFT_SOURCES: Record<string, string> = {
  llm: "ИИ",
  offline: "Шаблон",
  seller: "Продавец",
};

export function label(map: Record<string, string>, value: string | null | undefined): string {
  if (!value) return "";
  return map[value] ?? value;
}
