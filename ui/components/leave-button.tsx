// "Leave", labelled on every screen and confirmed first: leaving frees the seat at once, so the room sees it.
import { createSignal } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { Icon } from './icon.tsx';

export function LeaveButton(props: { onLeft: () => void }) {
  const room = useRoom();
  const [confirming, setConfirming] = createSignal(false);
  const [leaving, setLeaving] = createSignal(false);
  const leave = async () => {
    setLeaving(true);
    try {
      await room.actions.leave();
    } catch {
      // The room ended or the connection is gone: leaving this page is all there is left to do.
    }
    props.onLeft();
  };
  return (
    <>
      <button class="button ghost keep-label" type="button" onClick={() => setConfirming(true)} aria-label="Leave the session" data-testid="leave">
        <Icon name="leave" size={18} />
        <span class="button-label">Leave</span>
      </button>
      <ConfirmDialog
        open={confirming()}
        title="Leave this session?"
        confirmLabel={leaving() ? 'Leaving…' : 'Leave'}
        busy={leaving()}
        onConfirm={() => void leave()}
        onCancel={() => setConfirming(false)}
      >
        Your seat goes to someone else. You can join again with the same link while the session runs.
      </ConfirmDialog>
    </>
  );
}
