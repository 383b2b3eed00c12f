/**
 * The demo fixture: Agora's own small data set, written for this project from the facts of two
 * seed systems (names, SKUs, prices, quantities). `demo.ts` loads it through the public API.
 *
 * - The Acme exchange (seed 000): a wholesale supplier that sells to linked consumers only, its
 *   staff, one consumer organization with an accepted link, three products, a pending order of
 *   175,000.00 KZT (no tax, no delivery fee), and a second warehouse that received one transfer.
 * - The Mami supermarket (seed 002): a public store in ILS with a warehouse and 4 branches holding
 *   stock (a few products short at some branch), 15 categories (Cheese under Dairy & Eggs), 109
 *   products (some on offer, some with attributes), delivery settings, two sales channels, a
 *   manager, a shopper who belongs to no organization (a customer) with a delivery order, and a
 *   phoned-in order taken by the manager for a walk-in customer, collected at a branch.
 *
 * Money is written as decimal strings in the currency's minor digits, never as floats.
 */

/** Every demo account uses this password. Demo only: never reuse it anywhere real. */
export const DEMO_PASSWORD = 'Password123';

/** A person to register through `POST /auth/register`. */
export interface DemoUser {
  email: string;
  fullName: string;
  /** What the printed login list says this account is for. */
  what: string;
}

/** The platform administrator (created with `createPlatformAdmin`, never through the public API). */
export const DEMO_ADMIN: DemoUser = { email: 'admin@example.com', fullName: 'Agora Admin', what: 'platform admin (every organization)' };

// ---------------------------------------------------------------------------------------------
// The Acme exchange (B2B, seed 000)
// ---------------------------------------------------------------------------------------------

export const ACME = {
  supplier: {
    name: 'Acme Wholesale Supplies',
    currency: 'KZT',
    catalogVisibility: 'linked' as const,
    owner: { email: 'supplier.owner@example.com', fullName: 'Acme Owner', what: 'Acme Wholesale Supplies: owner' },
    staff: [
      {
        role: 'manager',
        user: { email: 'supplier.manager@example.com', fullName: 'Acme Manager', what: 'Acme Wholesale Supplies: manager (decides links and orders)' },
      },
      { role: 'sales', user: { email: 'supplier.sales@example.com', fullName: 'Acme Sales Rep', what: 'Acme Wholesale Supplies: sales representative' } },
    ] as { role: string; user: DemoUser }[],
  },
  consumer: {
    name: 'Retail Store Chain',
    owner: { email: 'consumer@example.com', fullName: 'Retail Buyer', what: 'Retail Store Chain: owner (linked to Acme, has a pending order)' },
  },
  category: { name: 'Widgets', slug: 'widgets' },
  products: [
    {
      sku: 'WID-A-001',
      name: 'Premium Widget A',
      description: 'Top-grade widget built for heavy, continuous duty on production lines.',
      price: '15000.00',
      unit: 'piece',
      stock: 100,
    },
    {
      sku: 'WID-B-002',
      name: 'Standard Widget B',
      description: 'Everyday widget that suits most workshops and stores.',
      price: '10000.00',
      unit: 'piece',
      stock: 250,
    },
    {
      sku: 'WID-C-003',
      name: 'Economy Widget C',
      description: 'Low-cost widget for light jobs and large volumes.',
      price: '7500.00',
      unit: 'piece',
      stock: 500,
    },
  ],
  /** The consumer's pending order: 5 × 15,000 + 10 × 10,000 = 175,000.00 KZT. */
  order: {
    items: [
      { sku: 'WID-A-001', quantity: 5 },
      { sku: 'WID-B-002', quantity: 10 },
    ],
    notes: 'Monthly restock for the downtown stores.',
    expectedTotal: '175000.00',
  },
  /**
   * The products' stock sits at the default location created on first use (its name comes from
   * the inventory module). A second warehouse receives one transfer, so the movement history
   * shows a transfer pair (out of the default, into the depot); totals per product are unchanged.
   */
  defaultLocation: 'Main warehouse',
  depot: { name: 'Astana depot', kind: 'warehouse' as const },
  transfer: { sku: 'WID-C-003', quantity: 40, note: 'Economy widgets moved closer to the northern stores.' },
};

// ---------------------------------------------------------------------------------------------
// The Mami supermarket (public store, seed 002)
// ---------------------------------------------------------------------------------------------

/**
 * Store settings. Israeli shelf prices already include VAT, so the store adds no tax on top
 * (tax_rate 0); a delivery costs 30 ILS unless the order's subtotal reaches 150 ILS.
 */
export const MAMI_SETTINGS = { tax_rate: '0', delivery_fee: '30.00', free_delivery_threshold: '150.00' };

/**
 * The default stock location: the warehouse that home deliveries leave from (seed 002 delivers
 * from one source branch). Created first, so it becomes the store's default location: orders
 * that name no location reserve stock here.
 */
export const MAMI_WAREHOUSE = { name: 'Mami Warehouse', kind: 'warehouse' as const };

/** The store's 4 branches (seed 002), stock locations of kind branch. */
export const MAMI_BRANCHES = [
  { name: 'Mami - Tel Aviv (Dizengoff)', address: '123 Dizengoff St, Tel Aviv-Yafo, Israel' },
  { name: 'Mami - Tel Aviv (Yarkon)', address: '180 HaYarkon St, Tel Aviv-Yafo, Israel' },
  { name: 'Mami - Rishon LeZion', address: '15 Rothschild Blvd, Rishon LeZion, Israel' },
  { name: 'Mami - Ramat Gan', address: '3 Ben Gurion Rd, Ramat Gan, Israel' },
];

/**
 * Stock of every product: on hand and reorder point (low when available ≤ reorder point) at the
 * warehouse and at each branch, except the shortages below.
 */
export const MAMI_STOCK = {
  warehouse: { onHand: 50, reorderPoint: 10 },
  branch: { onHand: 20, reorderPoint: 5 },
};

/** Products running low or sold out at one branch: exactly what `GET /inventory?low_stock=true` lists. */
export const MAMI_SHORTAGES: { product: string; branch: string; onHand: number }[] = [
  { product: 'Avocado', branch: 'Mami - Tel Aviv (Dizengoff)', onHand: 3 },
  { product: 'Salmon Fillet', branch: 'Mami - Tel Aviv (Dizengoff)', onHand: 0 },
  { product: 'Challah', branch: 'Mami - Tel Aviv (Yarkon)', onHand: 0 },
  { product: 'Eggs L', branch: 'Mami - Rishon LeZion', onHand: 4 },
  { product: 'Ice Cream Vanilla', branch: 'Mami - Ramat Gan', onHand: 2 },
];

/** The store's sales channels; the online store is the default (orders that name no channel). */
export const MAMI_CHANNELS = {
  online: { name: 'Online store', kind: 'online' as const, description: 'The web shop: home delivery from the warehouse' },
  counter: { name: 'Branch counter', kind: 'retail' as const, description: 'Orders taken at a branch, at the counter or by phone' },
};

/** The store categories: 14 top-level ones (the last three have no products yet) and Cheese under Dairy & Eggs. */
export const MAMI_CATEGORIES: { name: string; slug: string; parent?: string }[] = [
  { name: 'Fruits & Vegetables', slug: 'fruits-vegetables' },
  { name: 'Dairy & Eggs', slug: 'dairy-eggs' },
  { name: 'Cheese', slug: 'cheese', parent: 'dairy-eggs' },
  { name: 'Meat & Fish', slug: 'meat-fish' },
  { name: 'Bakery', slug: 'bakery' },
  { name: 'Frozen', slug: 'frozen' },
  { name: 'Beverages', slug: 'beverages' },
  { name: 'Snacks', slug: 'snacks' },
  { name: 'Pantry', slug: 'pantry' },
  { name: 'Breakfast', slug: 'breakfast' },
  { name: 'Household', slug: 'household' },
  { name: 'Personal Care', slug: 'personal-care' },
  { name: 'Baby', slug: 'baby' },
  { name: 'Pets', slug: 'pets' },
  { name: 'Health', slug: 'health' },
];

export { mamiProducts, type MamiProduct } from './fixture.products.js';

/** A line of a demo order, by product name. */
export interface DemoLine {
  product: string;
  quantity: number;
}

/** The two Mami orders and the totals the loader checks. */
export const MAMI_ORDERS = {
  /**
   * The shopper's online order, delivered from the warehouse: below the 150 ILS threshold, so it
   * pays the 30 ILS delivery fee. 2 × 6.20 + 9.90 + 10.50 + 12.90 + 9.90 = 55.60; + 30.00 = 85.60.
   */
  shopper: {
    items: [
      { product: 'Milk 3%', quantity: 2 },
      { product: 'Bananas', quantity: 1 },
      { product: 'Whole Wheat Bread', quantity: 1 },
      { product: 'Yellow Cheese Slices', quantity: 1 },
      { product: 'Tomatoes', quantity: 1 },
    ] as DemoLine[],
    shippingAddress: '77 Ibn Gabirol St, Floor 2, Tel Aviv-Yafo, Israel',
    notes: 'Please ring twice.',
    expected: { subtotal: '55.60', tax: '0.00', shipping: '30.00', total: '85.60' },
  },
  /**
   * A walk-in customer phones the Dizengoff branch; the manager takes the order on the branch
   * counter channel, reserved at that branch and collected there (pickup pays no delivery fee):
   * 14.90 + 14.90 + 42.90 = 72.70.
   */
  counter: {
    customer: { name: 'Avi Ben-Ami', phone: '050-555-0142' },
    branch: 'Mami - Tel Aviv (Dizengoff)',
    items: [
      { product: 'Challah', quantity: 1 },
      { product: 'Eggs L', quantity: 1 },
      { product: 'Olive Oil', quantity: 1 },
    ] as DemoLine[],
    notes: 'Phoned in; collects at the Dizengoff counter after 17:00.',
    expected: { subtotal: '72.70', tax: '0.00', shipping: '0.00', total: '72.70' },
  },
};

export const MAMI = {
  supplier: {
    name: 'Mami Supermarket',
    currency: 'ILS',
    catalogVisibility: 'public' as const,
    owner: { email: 'store.owner@example.com', fullName: 'Mami Owner', what: 'Mami Supermarket: owner' },
    staff: [
      {
        role: 'manager',
        user: {
          email: 'store.manager@example.com',
          fullName: 'Mami Manager',
          what: 'Mami Supermarket: manager (catalog, stock at the branches, orders, customers)',
        },
      },
    ] as { role: string; user: DemoUser }[],
  },
  /** A customer: a person with no organization who browses the public store. */
  shopper: {
    email: 'shopper@example.com',
    fullName: 'Dana Shopper',
    what: 'customer with no organization (one delivery order from the Mami store)',
  } as DemoUser,
};
