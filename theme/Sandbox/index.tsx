/**
 * Minimal server-rendered Sandbox: the block's visible files as ordinary code
 * blocks (one tab per file). The interactive terminal is layered on top by the
 * reader-UI work; this is also exactly what a reader without JavaScript sees.
 */
import CodeBlock from '@theme/CodeBlock';
import TabItem from '@theme/TabItem';
import Tabs from '@theme/Tabs';
import type {SandboxBlock} from '../../config/block.js';

export interface Props {
  /** The manifest entry of this block, as a JSON string. */
  block: string;
}

export default function Sandbox({block}: Props) {
  const data = JSON.parse(block) as SandboxBlock;
  const visible = data.files.filter((file) => !file.hidden);
  const code = (file: SandboxBlock['files'][number]) => (
    <CodeBlock language={file.lang} title={visible.length === 1 ? (data.title ?? file.path) : undefined}>
      {file.content}
    </CodeBlock>
  );
  return (
    <div className="sandbox" data-sandbox-id={data.id}>
      {visible.length === 1 && code(visible[0]!)}
      {visible.length > 1 && (
        <Tabs groupId={undefined}>
          {visible.map((file) => (
            <TabItem key={file.path} value={file.path} label={file.path}>
              {code(file)}
            </TabItem>
          ))}
        </Tabs>
      )}
      {visible.length === 0 && <pre>$ {data.cmd}</pre>}
    </div>
  );
}
