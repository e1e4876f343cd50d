// The IDE page's own script (browser, no bundler): GraphiQL with a "Sign in" panel that logs in
// through the gateway's public `login` mutation and writes the bearer token into the headers
// editor, where the developer can still change or remove it.
(function startIde() {
  'use strict';
  const { GraphiQL, React, ReactDOM } = window;
  const h = React.createElement;
  const { useEditorContext } = GraphiQL.React;

  // The IDE's other files sit beside this script.
  const assetsBase = document.currentScript.src;
  const endpoint = new URL(document.body.dataset.graphqlPath || '/graphql', window.location.href);
  const socket = new URL(endpoint);
  socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  const LOGIN = `mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken user { email } }
}`;

  /**
   * Subscriptions go over graphql-ws on the same path. Browsers cannot set headers on a
   * WebSocket: GraphiQL's fetcher sends the headers editor's values as the connection's
   * parameters, where the gateway reads `authorization`.
   */
  function fetcher() {
    const graphiqlFetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socket.href });
    return (params, options) => graphiqlFetcher(params, { ...options, documentAST: documentOf(params) });
  }

  /**
   * The fetcher sends a subscription over graphql-ws only when the parsed document it gets says
   * so, and GraphiQL's is parsed a moment after a keystroke: run right after typing, it can still
   * be the previous operation's, and a subscription would go out as an HTTP POST, which the
   * gateway cannot subscribe. The text being sent decides.
   */
  function documentOf(params) {
    try {
      return GraphiQL.GraphQL.parse(params.query);
    } catch {
      return undefined; // the server answers with the syntax error
    }
  }

  async function login(email, password) {
    const response = await fetch(endpoint.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { email, password }, operationName: 'SignIn' }),
    });
    const body = await response.json();
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    return body.data.login;
  }

  /** The editor's headers with `authorization` replaced; other headers the developer typed stay. */
  function withBearer(headersText, accessToken) {
    let headers = {};
    try {
      const parsed = JSON.parse(headersText || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) headers = parsed;
    } catch {
      // Not JSON yet (half typed): start from an empty object rather than refuse to sign in.
    }
    delete headers.Authorization;
    return JSON.stringify({ ...headers, authorization: `Bearer ${accessToken}` }, null, 2);
  }

  function SignInPanel() {
    const { headerEditor } = useEditorContext({ nonNull: true });
    const [status, setStatus] = React.useState('');
    const onSubmit = async (event) => {
      event.preventDefault();
      const form = new FormData(event.currentTarget);
      setStatus('Signing in…');
      try {
        const { accessToken, user } = await login(String(form.get('email')), String(form.get('password')));
        headerEditor?.setValue(withBearer(headerEditor.getValue(), accessToken));
        setStatus(`Signed in as ${user.email}: the token is in the Headers tab.`);
      } catch (error) {
        setStatus(`Sign-in failed: ${error.message}`);
      }
    };
    const field = (name, type, label) =>
      h(
        'label',
        { style: { display: 'block', marginBottom: '0.75em' } },
        label,
        h('br'),
        h('input', {
          name,
          type,
          required: true,
          autoComplete: name === 'email' ? 'username' : 'current-password',
          style: { width: '100%' },
        }),
      );
    return h(
      'form',
      { onSubmit, 'aria-label': 'Sign in' },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Sign in'),
      h('p', null, 'Logs in with the `login` mutation and puts the access token into the headers.'),
      field('email', 'email', 'Email'),
      field('password', 'password', 'Password'),
      h('button', { type: 'submit', className: 'graphiql-button' }, 'Sign in'),
      h('p', { role: 'status' }, status),
    );
  }

  const signIn = {
    title: 'Sign in',
    // A key, drawn here: the page loads no icon font.
    icon: () =>
      h(
        'svg',
        {
          viewBox: '0 0 24 24',
          width: 20,
          height: 20,
          fill: 'none',
          stroke: 'currentColor',
          strokeWidth: 1.5,
          'aria-hidden': true,
        },
        h('circle', { cx: 8, cy: 15, r: 4 }),
        h('path', { d: 'M11 12l9-9m-3 3l3 3m-6 0l2 2' }),
      ),
    content: SignInPanel,
  };

  /**
   * The API schema the build composed: GraphiQL's own introspection query is deeper than the
   * gateway's depth limit, which the IDE does not get to lift. Without it, GraphiQL introspects.
   */
  async function composedSchema() {
    try {
      const response = await fetch(new URL('schema.graphql', assetsBase));
      return response.ok ? GraphiQL.GraphQL.buildSchema(await response.text()) : undefined;
    } catch {
      return undefined;
    }
  }

  const render = (schema) =>
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      h(GraphiQL, {
        schema,
        fetcher: fetcher(),
        plugins: [signIn],
        visiblePlugin: signIn,
        defaultEditorToolsVisibility: 'headers',
        isHeadersEditorEnabled: true,
        // The token stays out of localStorage: a new page asks for a new sign-in.
        shouldPersistHeaders: false,
      }),
    );
  void composedSchema().then(render);
})();
