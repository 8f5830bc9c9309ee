/// <reference types="docusaurus-sandbox/theme" />
// An ejected MDXComponents (the classic theme's own map is left out: only the Sandbox types are under test).
import Sandbox, {type Props} from '@theme/Sandbox';

const example: Props = {block: '{}', display: '{"files":{"main.py":{"showLineNumbers":1}}}'};

export const rendered = <Sandbox {...example} />;

export default {Sandbox};
