/** Types of the components this package adds to `@theme`, for swizzlers. */
declare module '@theme/Sandbox' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** The manifest entry of this block, as a JSON string. */
    readonly block: string;
  }
  export default function Sandbox(props: Props): ReactNode;
}
