/** Contribute: placeholder until the browser pipeline lands (see below). */
export function Contribute() {
  return (
    <section aria-labelledby="contribute-title">
      <h2 id="contribute-title">Contribute</h2>
      <p>Coming next.</p>
    </section>
  );
}
