/**
 * The owner's sharing, under the toolbar while the session is live: "Share:
 * can watch" / "Share: can type" make a link (copied to the clipboard, or
 * shown to copy by hand), then who watches and "Stop sharing", which revokes
 * every link made here (their viewers are disconnected at once).
 */
import {translate} from '@docusaurus/Translate';
import {useCallback, useEffect, useState, type ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/Share';
import {createShare, isLive, revokeShare, type CreateShareResponse, type ShareMode} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

const browserFetch = (url: string, init: RequestInit & {method: string; headers: Record<string, string>}) => fetch(url, init);

export default function SandboxShare({runner}: Props): ReactNode {
  const live = isLive(runner.status);
  const [shares, setShares] = useState<CreateShareResponse[]>([]);
  const [note, setNote] = useState<'copied' | 'failed' | undefined>(undefined);
  const [link, setLink] = useState<string | undefined>(undefined);
  // A new run is a new session: its shares start from none (the old ones ended with the old session).
  useEffect(() => {
    if (live) return;
    setShares([]);
    setNote(undefined);
    setLink(undefined);
  }, [live]);

  const share = useCallback(
    async (mode: ShareMode) => {
      const access = runner.shareAccess();
      if (!access) return;
      try {
        const created = await createShare(browserFetch, access.base, access.sessionId, access.resumeToken, mode);
        setShares((current) => [...current, created]);
        try {
          await navigator.clipboard.writeText(created.url);
          setLink(undefined);
          setNote('copied');
        } catch {
          // No clipboard (an insecure origin, a refused permission): the link is shown to copy by hand.
          setLink(created.url);
          setNote(undefined);
        }
      } catch {
        setNote('failed');
      }
    },
    [runner],
  );

  const stop = useCallback(async () => {
    const access = runner.shareAccess();
    const revoking = shares;
    setShares([]);
    setLink(undefined);
    setNote(undefined);
    if (!access) return;
    await Promise.all(revoking.map((made) => revokeShare(browserFetch, access.base, access.sessionId, access.resumeToken, made.id).catch(() => undefined)));
  }, [runner, shares]);

  if (!live) return null;
  const presence = runner.presence ?? {viewers: 0, controllers: 0};
  return (
    <div className={styles.share} data-sandbox-share="">
      <button type="button" className="button button--sm button--secondary" onClick={() => void share('view')} data-sandbox-share-mode="view">
        {translate({id: 'theme.Sandbox.share.watch', message: 'Share: can watch', description: 'The button that makes a link to the running session that lets others watch it'})}
      </button>
      <button type="button" className="button button--sm button--secondary" onClick={() => void share('control')} data-sandbox-share-mode="control">
        {translate({id: 'theme.Sandbox.share.type', message: 'Share: can type', description: 'The button that makes a link to the running session that lets others watch it and type into it'})}
      </button>
      {shares.length > 0 && (
        <>
          <span className={styles.viewers} data-sandbox-viewers={presence.viewers} aria-live="polite">
            {translate(
              {id: 'theme.Sandbox.share.viewers', message: '{viewers} watching, {controllers} can type', description: 'How many people follow the shared session through links, and how many of them can type'},
              {viewers: presence.viewers, controllers: presence.controllers},
            )}
          </span>
          <button type="button" className="button button--sm button--danger" onClick={() => void stop()} data-sandbox-share-stop="">
            {translate({id: 'theme.Sandbox.share.stop', message: 'Stop sharing', description: "The button that revokes the session's share links: their viewers are disconnected at once"})}
          </button>
        </>
      )}
      {note === 'copied' && (
        <span className={styles.note} role="status">
          {translate({id: 'theme.Sandbox.share.copied', message: 'Link copied to the clipboard', description: 'Shown after a share link was made and copied'})}
        </span>
      )}
      {note === 'failed' && (
        <span className={styles.note} role="alert">
          {translate({id: 'theme.Sandbox.share.failed', message: 'The share link could not be made. Try again in a moment.', description: 'Shown when the server refused or could not make a share link'})}
        </span>
      )}
      {link !== undefined && (
        <input
          className={styles.link}
          readOnly
          value={link}
          onFocus={(event) => event.currentTarget.select()}
          data-sandbox-share-link=""
          aria-label={translate({id: 'theme.Sandbox.share.link', message: 'Share link', description: 'The accessible name of the field that shows a share link (when it could not be copied)'})}
        />
      )}
    </div>
  );
}
