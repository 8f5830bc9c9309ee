/**
 * A step block's hold on its page session's shared environment: attaches to
 * the page's store after hydration (the server-rendered page has none, so
 * both renders agree), follows its changes, and detaches on unmount (the last
 * block of the page session to go tells the server the page went away).
 */
import getAuthToken from '@theme/SandboxAuth';
import type {PageEnvironmentState} from '@theme/Sandbox/usePageEnvironment';
import {apiBase, pageEnvironments, type EnvironmentStore, type PageSessionInfo} from 'docusaurus-sandbox/client';
import {useEffect, useState, useSyncExternalStore} from 'react';

const noSubscription = () => () => undefined;
const noEnvironment = () => undefined;

export function usePageEnvironment(session: PageSessionInfo | undefined, serverUrl: string | undefined, baseUrl: string): PageEnvironmentState {
  const [store, setStore] = useState<EnvironmentStore | undefined>(undefined);
  const id = session?.id;
  const name = session?.name;
  const steps = session?.steps;

  useEffect(() => {
    if (id === undefined || name === undefined || steps === undefined) return undefined;
    const attached = pageEnvironments.attach(apiBase(serverUrl, window.location.origin, baseUrl), {id, name, steps}, getAuthToken);
    setStore(attached.store);
    return () => {
      attached.detach();
      setStore(undefined);
    };
  }, [id, name, steps, serverUrl, baseUrl]);

  const environment = useSyncExternalStore(
    store ? (listener) => store.subscribe(listener) : noSubscription,
    store ? () => store.environment : noEnvironment,
    noEnvironment,
  );
  return {store, environment};
}
