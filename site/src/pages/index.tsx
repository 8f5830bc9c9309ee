import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';

export default function Home() {
  return (
    <Layout title="Runnable docs" description="Interactive terminals in Docusaurus, run in hardened containers">
      <main className="container margin-vert--xl">
        <h1>docusaurus-sandbox</h1>
        <p>
          Write a <code>```sandbox</code> fence in Markdown; readers click <b>Run</b> and get a real terminal, running
          in an ephemeral, hardened container on your own server.
        </p>
        <Link className="button button--primary button--lg" to="/docs/intro">
          Take the tour
        </Link>
      </main>
    </Layout>
  );
}
