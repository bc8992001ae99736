import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, call } from "../api/client";
import { keys } from "../api/queries";
import type { Shop } from "../api/types";
import { ME_KEY, useAuth } from "../auth/AuthContext";

/** How drafts are written (GET/PATCH /api/shop); the owner edits, agents read. */
export function SettingsPage() {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const shop = useQuery({ queryKey: keys.shop, queryFn: () => call(api.GET("/api/shop")) });
  const [form, setForm] = useState<Pick<Shop, "reply_tone" | "reply_signature" | "reply_address_form">>({});
  useEffect(() => {
    if (shop.data) {
      setForm({
        reply_tone: shop.data.reply_tone ?? "",
        reply_signature: shop.data.reply_signature ?? "",
        reply_address_form: shop.data.reply_address_form ?? "formal",
      });
    }
  }, [shop.data]);
  const save = useMutation({
    mutationFn: () => call(api.PATCH("/api/shop", { body: form })),
    onSuccess: (updated) => {
      queryClient.setQueryData(keys.shop, updated);
      void queryClient.invalidateQueries({ queryKey: ME_KEY });
    },
  });
  const owner = me?.role === "owner";

  if (shop.isPending) return <div className="page muted">Загружаем настройки…</div>;
  if (shop.isError) return <div className="page error" role="alert">{(shop.error as ApiError).message}</div>;

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const error = save.error as ApiError | null;
  return (
    <div className="page settings">
      <h1>Настройки</h1>
      <form className="card form" onSubmit={submit}>
        <h2>Как ИИ пишет черновики</h2>
        {!owner && <p className="muted">Изменить настройки может только владелец магазина.</p>}
        <fieldset disabled={!owner || save.isPending}>
          <label>
            Тон ответов
            <input
              value={form.reply_tone ?? ""}
              maxLength={200}
              placeholder="тёплый, без канцелярита"
              onChange={(e) => setForm({ ...form, reply_tone: e.target.value })}
            />
            {error?.field("reply_tone") && <span className="field-error">{error.field("reply_tone")}</span>}
          </label>
          <label>
            Подпись
            <input
              value={form.reply_signature ?? ""}
              maxLength={200}
              placeholder="С уважением, команда магазина"
              onChange={(e) => setForm({ ...form, reply_signature: e.target.value })}
            />
            {error?.field("reply_signature") && <span className="field-error">{error.field("reply_signature")}</span>}
          </label>
          <div className="radio-group" role="radiogroup" aria-label="Обращение к покупателю">
            <span>Обращение к покупателю</span>
            <label className="radio">
              <input type="radio" name="address" checked={form.reply_address_form === "formal"} onChange={() => setForm({ ...form, reply_address_form: "formal" })} />
              на «вы»
            </label>
            <label className="radio">
              <input type="radio" name="address" checked={form.reply_address_form === "informal"} onChange={() => setForm({ ...form, reply_address_form: "informal" })} />
              на «ты»
            </label>
          </div>
          <button className="primary" type="submit">{save.isPending ? "Сохраняем…" : "Сохранить"}</button>
        </fieldset>
        {save.isSuccess && <p className="success" role="status">Сохранено. Новые черновики будут написаны так.</p>}
        {error && !Object.keys(error.errors).length && <p className="error" role="alert">{error.message}</p>}
      </form>
    </div>
  );
}
