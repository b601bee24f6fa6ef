/**
 * The consent checkboxes: one per purpose in plain words, with "Do not train AI on my data" first, as a
 * choice of its own (it is the AI_TRAINING bit, inverted).
 */
import type { Purpose } from "./reads";

export function PurposeChoices({
  purposes,
  mask,
  onChange,
}: {
  purposes: readonly Purpose[];
  mask: number;
  onChange: (mask: number) => void;
}) {
  const training = purposes.find((p) => p.name === "AI_TRAINING");
  const has = (id: number) => ((mask >> id) & 1) === 1;
  return (
    <>
      {training && (
        <label className="dnt">
          <input type="checkbox" checked={!has(training.id)} onChange={() => onChange(mask ^ (1 << training.id))} />
          Do not train AI on my data
        </label>
      )}
      {purposes.map((p) => (
        <label key={p.id}>
          <input type="checkbox" checked={has(p.id)} onChange={() => onChange(mask ^ (1 << p.id))} />
          {p.label}
        </label>
      ))}
    </>
  );
}
