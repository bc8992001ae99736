import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useAuth } from "./AuthContext";
import { safeNext } from "./RequireAuth";

type Field = "email" | "password" | "shop_name" | "full_name";

export function RegisterPage() {
  const { signUp, signedIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const [form, setForm] = useState<Record<Field, string>>({ email: "", password: "", shop_name: "", full_name: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (signedIn && !busy) return <Navigate to={next} replace />;

  const set = (field: Field) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signUp({ ...form, email: form.email.trim() });
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, null));
      setBusy(false);
    }
  }

  const fieldError = (field: Field) =>
    error?.field(field) && <span className="field-error" id={`${field}-error`}>{error.field(field)}</span>;

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="register-title">
        <div className="brand">AgentIQ</div>
        <h1 id="register-title">Регистрация магазина</h1>
        <label>
          Название магазина
          <input required value={form.shop_name} onChange={set("shop_name")} autoFocus aria-describedby="shop_name-error" />
          {fieldError("shop_name")}
        </label>
        <label>
          Ваше имя
          <input autoComplete="name" value={form.full_name} onChange={set("full_name")} />
          {fieldError("full_name")}
        </label>
        <label>
          E-mail
          <input type="email" autoComplete="username" required value={form.email} onChange={set("email")} aria-describedby="email-error" />
          {fieldError("email")}
        </label>
        <label>
          Пароль
          <input type="password" autoComplete="new-password" required minLength={8} value={form.password} onChange={set("password")} aria-describedby="password-error" />
          {fieldError("password")}
        </label>
        {error && !Object.keys(error.errors).length && <p className="error" role="alert">{error.message}</p>}
        {error && Object.keys(error.errors).length > 0 && <p className="error" role="alert">Проверьте поля формы.</p>}
        <button className="primary" type="submit" disabled={busy}>{busy ? "Создаём…" : "Создать магазин"}</button>
        <p className="muted">Уже есть аккаунт? <Link to="/login">Войти</Link></p>
      </form>
    </main>
  );
}
