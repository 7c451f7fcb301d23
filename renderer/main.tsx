// Renderer entry: connects to the backend (preload or web mode) and mounts the app.
import { createRoot } from 'react-dom/client'
import { connectApi } from './api/connect'
import { App } from './app'
import './styles.css'
import './workbench.css'

const root = createRoot(document.getElementById('root') as HTMLElement)
connectApi().then(
  (api) => root.render(<App api={api} />),
  (error: unknown) =>
    root.render(
      <p role="alert" className="error">
        Cannot reach the Heapgraph backend: {String(error)}
      </p>,
    ),
)
