import { Link, Route, Routes } from "react-router";
import { LoginPage } from "./auth/LoginPage";
import { RegisterPage } from "./auth/RegisterPage";
import { RequireAuth } from "./auth/RequireAuth";
import { ConversationPage } from "./conversation/ConversationPage";
import { DashboardPage } from "./dashboard/DashboardPage";
import { InboxPage } from "./inbox/InboxPage";
import { Layout } from "./Layout";
import { SettingsPage } from "./settings/SettingsPage";

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route element={<RequireAuth />}>
        <Route element={<Layout />}>
          <Route index element={<InboxPage />} />
          <Route path="/interactions/:id" element={<ConversationPage />} />
          <Route path="/dashboard" element={<DashboardPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Route>
    </Routes>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Такой страницы нет</h1>
      <Link to="/">Ко входящим</Link>
    </div>
  );
}
