import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";

import { App } from "./App";
import { RuntimeProvider } from "./lib/chain";
import { loadRuntimeConfig } from "./lib/config";
import { makeWagmiConfig } from "./wallet/wagmi";
import "./style.css";

const root = createRoot(document.getElementById("root")!);
loadRuntimeConfig()
  .then((runtime) => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1 } } });
    root.render(
      <StrictMode>
        <WagmiProvider config={makeWagmiConfig(runtime)}>
          <QueryClientProvider client={queryClient}>
            <RuntimeProvider runtime={runtime}>
              <App />
            </RuntimeProvider>
          </QueryClientProvider>
        </WagmiProvider>
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(<p role="alert">The app could not load its configuration: {String(error)}</p>);
  });
