export type OrderLine = [itemId: string, quantity: number];

export interface Order {
  order_id: string;
  paid: boolean;
  items: OrderLine[];
  user_id: string;
  total_cost: number;
}

// Order lines are stored as "item qty,item qty": ids never contain a space or a comma, and the
// quantities stay exact strings (Lua's cjson would round integers above 10^14).
export function encodeLines(lines: OrderLine[]): string {
  return lines.map(([item, quantity]) => `${item} ${quantity}`).join(',');
}

export function decodeLines(encoded: string): OrderLine[] {
  if (encoded === '') return [];
  return encoded.split(',').map((entry) => {
    const [item, quantity] = entry.split(' ');
    return [item, Number(quantity)];
  });
}

/** The quantity to take per item: an item listed twice is taken once, with the sum. */
export function quantitiesPerItem(lines: OrderLine[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [item, quantity] of lines) totals.set(item, (totals.get(item) ?? 0) + quantity);
  return totals;
}
