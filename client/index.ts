/**
 * `docusaurus-sandbox/client`: the browser side without a framework. A UI
 * (the Docusaurus theme, a VitePress component, a plain page) creates a
 * `SandboxRunner` per block, gives it a terminal and renders what it reports;
 * `SandboxSession` is the WebSocket session underneath. No React, no Node.
 */
export type {BlockFile, SandboxBlock, Transcript} from '../config/block.js';
export type {CaughtUpStep, CreateSessionRequest, CreateShareResponse, EnvironmentInfo, EnvironmentRef, ShareMode} from '../protocol/index.js';
export {backoffBound, backoffDelay, DEFAULT_BACKOFF, type BackoffOptions} from './backoff.js';
export {decideOnClose, type CloseDecision, type CloseFacts} from './closing.js';
export {
  forgetEnvironment,
  loadEnvironment,
  readEnvironmentInfo,
  saveEnvironment,
  environmentKey,
  type KnownEnvironment,
} from './environment.js';
export {environmentRequest, fetchEnvironmentState, type EnvironmentFetch, type EnvironmentState} from './environment-api.js';
export {
  browserSessionStorage,
  EnvironmentStore,
  PageEnvironments,
  pageEnvironments,
  type AttachedEnvironment,
  type EnvironmentStoreOptions,
} from './environment-store.js';
export {englishMessage, MESSAGE_ID_PREFIX, MESSAGE_IDS, MESSAGES, type MessageEntry, type MessageId} from './messages.js';
export {
  formatRecordedDate,
  parseTranscripts,
  playTranscript,
  transcripts,
  transcriptsUrl,
  TranscriptStore,
  type Playback,
  type TranscriptFetch,
} from './recorded.js';
export {PAGE_CHANNEL_NAME, readPageMessage, type PageChannel, type PageMessage} from './page-channel.js';
export {liveSandboxes, LiveSandboxRegistry, MAX_OTHER_PAGES, type LiveSandbox, type LiveSandboxRegistryOptions} from './registry.js';
export {
  SandboxRunner,
  STOP_OTHERS_WAIT_MS,
  type RecordedOptions,
  type RunnerOptions,
  type RunnerTerminal,
  type RunnerView,
  type SessionTransport,
  type TerminalInput,
} from './runner.js';
export type {FetchLike} from './create-session.js';
export {binaryStringToBytes, MAX_HELD_INPUT} from './input.js';
export {SandboxSession} from './session.js';
export {createShare, revokeShare, shareLinkFor, shareRequest, ShareCallError, type ShareFetch, type ShareRequestInit} from './share.js';
export {decideViewerClose, ViewerSession, type ViewerEvents, type ViewerOptions, type ViewerState} from './viewer.js';
export type {SessionOptions} from './session-options.js';
export type {SocketFactory, SocketLike} from './socket.js';
export {
  formatSteps,
  missingSteps,
  modeForChoice,
  parseSessionProp,
  planAfterRefusal,
  planStep,
  retryAfterRefusal,
  stepRequest,
  type PageSessionInfo,
  type RefusalPlan,
  type StepChoice,
  type StepMode,
  type StepPlan,
} from './steps.js';
export {
  describeCatchUp,
  describeError,
  describeStatus,
  formatDuration,
  isLive,
  STATUS_MESSAGE_IDS,
  type ClientErrorCode,
  type MessageDescriptor,
  type SandboxStatus,
} from './status.js';
export {parseDisplay, type FileDisplay} from './display.js';
export {changedFiles, clearEdits, editsKey, loadEdits, saveEdits, type Edits, type KeyValueStorage} from './storage.js';
export {globalTimers, type Timers} from './timers.js';
export {apiBase, socketUrl} from './url.js';
