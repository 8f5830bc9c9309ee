/**
 * A runnable sandbox block. Server-rendered (and without JavaScript) it is the
 * block's files as ordinary code blocks (one tab per file) and a Run button.
 * In the browser, Run loads the terminal chunk and starts a session; Edit
 * loads the editor chunk. Logic lives in the hooks and in `docusaurus-sandbox/client`.
 */
import {translate} from '@docusaurus/Translate';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import useGlobalData from '@docusaurus/useGlobalData';
import {useCallback, useEffect, useMemo, useState, type ReactNode} from 'react';
import type {Props} from '@theme/Sandbox';
import SandboxFiles from '@theme/Sandbox/Files';
import SandboxStatusLine from '@theme/Sandbox/StatusLine';
import SandboxStepBar from '@theme/Sandbox/StepBar';
import SandboxStepOffer from '@theme/Sandbox/StepOffer';
import SandboxTerminalArea from '@theme/Sandbox/TerminalArea';
import SandboxShare from '@theme/Sandbox/Share';
import SandboxToolbar from '@theme/Sandbox/Toolbar';
import SandboxViewer from '@theme/Sandbox/Viewer';
import {useEdits} from '@theme/Sandbox/useEdits';
import {usePageEnvironment} from '@theme/Sandbox/usePageEnvironment';
import {useSandboxRunner} from '@theme/Sandbox/useSandboxRunner';
import {parseDisplay} from '@theme/Sandbox/display';
import {changedFiles, liveSandboxes, parseSessionProp, shareLinkFor, type SandboxBlock, type ShareMode} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

/** The plugin's global data; absent when the plugin is not registered (then the page's origin is used). */
function usePluginData(): {serverUrl: string | undefined; recordedOnly: boolean} {
  const data = useGlobalData()['docusaurus-sandbox']?.['default'] as {serverUrl?: unknown; recordedOnly?: unknown} | undefined;
  return {
    serverUrl: typeof data?.serverUrl === 'string' ? data.serverUrl : undefined,
    recordedOnly: data?.recordedOnly === true,
  };
}

/** The share a page's link fragment holds for this block, read after hydration (the server-rendered page has none). */
function useShareLink(blockId: string): {token: string; session: string; mode?: ShareMode} | undefined {
  const [link, setLink] = useState<{token: string; session: string; mode?: ShareMode} | undefined>(undefined);
  useEffect(() => {
    const read = () => setLink(shareLinkFor(window.location.hash, blockId));
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, [blockId]);
  return link;
}

export default function Sandbox({block, display, session}: Props): ReactNode {
  const data = useMemo(() => JSON.parse(block) as SandboxBlock, [block]);
  const shareLink = useShareLink(data.id);
  // A step of a page session needs both its position (the block) and the session (the prop); without either it runs alone.
  const pageSession = useMemo(() => parseSessionProp(session), [session]);
  const stepNumber = pageSession && data.step !== undefined && data.session === pageSession.id ? data.step : undefined;
  const fileDisplay = useMemo(() => parseDisplay(display), [display]);
  const editablePaths = useMemo(
    () => (data.options.editable ? data.files.filter((file) => !file.hidden && !file.readonly).map((file) => file.path) : []),
    [data],
  );
  const {edits, setFile, reset} = useEdits(data.id, editablePaths);
  const {serverUrl, recordedOnly} = usePluginData();
  const {baseUrl} = useDocusaurusContext().siteConfig;
  const recorded = useMemo(() => ({baseUrl, recordedOnly}), [baseUrl, recordedOnly]);
  const shared = usePageEnvironment(stepNumber === undefined ? undefined : pageSession, serverUrl, baseUrl);
  const step = useMemo(() => (stepNumber !== undefined && shared.store ? {number: stepNumber, store: shared.store} : undefined), [stepNumber, shared.store]);
  const runner = useSandboxRunner(data.id, serverUrl, recorded, step);
  const [editing, setEditing] = useState(false);
  // Remounts the editors with the authored code on Reset.
  const [generation, setGeneration] = useState(0);
  const changed = changedFiles(data.files, edits);

  const runWithEdits = useCallback(() => runner.run(changed), [runner, changed]);
  const catchUp = useCallback(() => runner.runStep('catch-up', changed), [runner, changed]);
  const runOnly = useCallback(() => runner.runStep('only-this', changed), [runner, changed]);
  const onReset = useCallback(() => {
    reset();
    setGeneration((value) => value + 1);
  }, [reset]);

  if (shareLink) {
    return (
      <div className={styles.sandbox} data-sandbox-id={data.id} role="group" aria-label={data.title ?? translate({id: 'theme.Sandbox.block.label', message: 'Runnable example', description: 'The accessible name of a sandbox block that has no title'})}>
        <SandboxViewer link={shareLink} serverUrl={serverUrl} baseUrl={baseUrl} />
      </div>
    );
  }

  return (
    <div
      className={styles.sandbox}
      data-sandbox-id={data.id}
      data-sandbox-state={runner.status.state}
      role="group"
      aria-label={data.title ?? translate({id: 'theme.Sandbox.block.label', message: 'Runnable example', description: 'The accessible name of a sandbox block that has no title'})}>
      {stepNumber !== undefined && pageSession && (
        <SandboxStepBar step={stepNumber} session={pageSession} hasEnvironment={shared.environment !== undefined} onResetEnvironment={runner.resetEnvironment} />
      )}
      <SandboxFiles
        block={data}
        display={fileDisplay}
        edits={edits}
        editing={editing}
        editablePaths={editablePaths}
        generation={generation}
        onChange={setFile}
      />
      <SandboxToolbar
        status={runner.status}
        canEdit={editablePaths.length > 0 && !editing}
        hasEdits={changed.length > 0}
        onRun={runWithEdits}
        onStop={runner.stop}
        onEdit={() => setEditing(true)}
        onReset={onReset}
      />
      <SandboxShare runner={runner} />
      {stepNumber !== undefined && (
        <SandboxStepOffer step={stepNumber} offer={runner.offer} caughtUp={runner.caughtUp} onCatchUp={catchUp} onRunOnly={runOnly} />
      )}
      <SandboxStatusLine
        status={runner.status}
        othersLive={runner.status.state === 'error' && liveSandboxes.others(data.id).length > 0}
        onStopOthers={() => runner.stopOthersAndRun(changed)}
      />
      <SandboxTerminalArea runner={runner} />
    </div>
  );
}
