// A polite live region: screen readers announce new chat messages and questions without moving focus.
export function LiveRegion(props: { message: string }) {
  return (
    <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
      {props.message}
    </div>
  );
}
