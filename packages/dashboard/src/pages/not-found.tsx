import { Link } from "react-router";
import { EmptyState } from "../components/states";

export function NotFoundPage() {
  return (
    <EmptyState title="Nothing here" action={<Link to="/capsules" className="text-accent hover:underline">Go to capsules</Link>}>
      This page does not exist.
    </EmptyState>
  );
}
