import { Component, type ErrorInfo, type ReactNode } from "react";
import { ErrorState } from "./states";

/**
 * A page that throws while rendering shows its error in place instead of blanking the
 * whole app; the sidebar stays usable and navigating away (a new `key`) starts over.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error("page crashed", error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) {
      return <ErrorState title="This page failed to render" error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    }
    return this.props.children;
  }
}
