/**
 * The `display` prop of `<Sandbox>` (Docusaurus's own code-block options of
 * each file, written by the remark plugin as a JSON string) read back, by the
 * client's one reader, typed as the Files component takes it.
 */
import type {Props} from '@theme/Sandbox/Files';
import {parseDisplay as readDisplay} from 'docusaurus-sandbox/client';

export type FileDisplayByPath = NonNullable<Props['display']>;

/** The display options by file path, or undefined when the block has none (see the client's parseDisplay). */
export const parseDisplay = (display: string | undefined): FileDisplayByPath | undefined => readDisplay(display);
