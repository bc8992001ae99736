import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useAuth } from "./AuthContext";
import { safeNext } from "./RequireAuth";

export function LoginPage() {
  const { signIn, signedIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (signedIn && !busy) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      navigate(next, { replace: true });
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : null;
      setError(
        apiError?.status === 401 || apiError?.status === 400
          ? "Неверный e-mail или пароль."
          : (apiError?.message ?? "Не удалось войти. Попробуйте ещё раз."),
      );
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand">AgentIQ</div>
        <h1 id="login-title">Вход</h1>
        {params.get("reason") === "expired" && (
          <p className="notice" role="status">Сессия истекла. Войдите снова — вы вернётесь туда, где были.</p>
        )}
        <label>
          E-mail
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label>
          Пароль
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button className="primary" type="submit" disabled={busy}>{busy ? "Входим…" : "Войти"}</button>
        <p className="muted">
          Нет аккаунта? <Link to={`/register${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`}>Зарегистрировать магазин</Link>
        </p>
      </form>
    </main>
  );
}
