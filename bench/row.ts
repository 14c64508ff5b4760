// One benchmark row. `target` is the bound the row must meet (null: reported, no target); `better` says which
// side of it is good. Counts that do not depend on the machine (SPI transactions and bytes, XS slots and bytes)
// are preferred over wall-clock figures; wall-clock figures are reported as ratios measured in the same run.
export interface Row {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  better: "lower" | "higher";
}

export function meets(row: Row): boolean | null {
  if (row.target === null) return null;
  return row.better === "lower" ? row.value <= row.target : row.value >= row.target;
}
