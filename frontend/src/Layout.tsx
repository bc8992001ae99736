import { NavLink, Outlet, useNavigate } from "react-router";
import { useAuth } from "./auth/AuthContext";

export function Layout() {
  const { me, signOut } = useAuth();
  const navigate = useNavigate();
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand" end>AgentIQ</NavLink>
        <nav aria-label="Разделы">
          <NavLink to="/" end>Входящие</NavLink>
          <NavLink to="/dashboard">Сводка</NavLink>
          <NavLink to="/settings">Настройки</NavLink>
        </nav>
        <div className="user">
          <span className="user-name" title={me?.user.email}>{me?.seller?.name ?? ""}</span>
          <button
            type="button"
            className="link"
            onClick={() => {
              signOut();
              navigate("/login", { replace: true });
            }}
          >
            Выйти
          </button>
        </div>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
