/** Types of the components this package adds to `@theme`, for swizzlers. */
declare module '@theme/Sandbox' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** The manifest entry of this block, as a JSON string. */
    readonly block: string;
  }
  export default function Sandbox(props: Props): ReactNode;
}

declare module '@theme/SandboxEditor' {
  import type {ReactNode} from 'react';

  export interface Props {
    readonly path: string;
    readonly lang: string;
    /** The content to start from (authored or previously edited). */
    readonly initialContent: string;
    readonly onChange: (content: string) => void;
    /** Focus the editor once it is loaded. */
    readonly autoFocus?: boolean;
  }
  /** A CodeMirror 6 editor, loaded on first use. */
  export default function SandboxEditor(props: Props): ReactNode;
}

declare module '@theme/SandboxKeyBar' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** Receives the byte sequence of the pressed key (e.g. "\x03" for Ctrl-C). */
    readonly onKey: (sequence: string) => void;
  }
  /** Esc, Tab, Ctrl-C and arrows for touch devices (shown on coarse pointers only). */
  export default function SandboxKeyBar(props: Props): ReactNode;
}

declare module '@theme/SandboxAuth' {
  /** The bearer token for POST /api/sessions (jwt auth mode), or undefined for none. */
  export default function getAuthToken(): Promise<string | undefined>;
}
