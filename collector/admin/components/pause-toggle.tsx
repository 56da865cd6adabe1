// The pause / resume button of a destination, an audience, a conversion or a source: a form that
// posts the state to switch to (`paused=true` or `false`) to the page's pause action.
import { CsrfField } from './csrf-field';

/** `what` names the thing on the button ("Pause audience"); without it the button says Pause or Resume. */
export function PauseToggle(props: { action: string; csrf: string; paused: boolean; what?: string }) {
  const verb = props.paused ? 'Resume' : 'Pause';
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrf} />
      <input type="hidden" name="paused" value={props.paused ? 'false' : 'true'} />
      <button type="submit" class="secondary">
        {props.what ? `${verb} ${props.what}` : verb}
      </button>
    </form>
  );
}
