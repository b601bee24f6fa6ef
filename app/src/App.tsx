import { useEffect, useState } from "react";

import { useChain } from "./lib/chain";
import { Contribute } from "./pages/Contribute";
import { Earnings } from "./pages/Earnings";
import { Governance } from "./pages/Governance";
import { MyData } from "./pages/MyData";
import { Requests } from "./pages/Requests";
import { WalletBar } from "./wallet/WalletBar";

const PAGES = [
  { id: "contribute", title: "Contribute", Page: Contribute },
  { id: "data", title: "My data", Page: MyData },
  { id: "earnings", title: "Earnings", Page: Earnings },
  { id: "requests", title: "Access requests", Page: Requests },
  { id: "governance", title: "Governance", Page: Governance },
] as const;

type PageId = (typeof PAGES)[number]["id"];

function pageFromHash(): PageId {
  // A page may take a path after its id, e.g. `#contribute/replace/<content hash>`.
  const id = window.location.hash.slice(1).split("/")[0];
  return PAGES.find((p) => p.id === id)?.id ?? "data";
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const { isLocal, chainId } = useChain();
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const current = PAGES.find((p) => p.id === page) ?? PAGES[1];
  return (
    <>
      <header>
        <h1>DataCoop</h1>
        <span className="network">{isLocal ? "Local node (chain 31337)" : `Chain ${chainId}`}</span>
        <WalletBar />
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={`#${p.id}`} aria-current={p.id === page ? "page" : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <current.Page />
      </main>
    </>
  );
}
