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
      { role: 'manager', user: { email: 'supplier.manager@example.com', fullName: 'Acme Manager', what: 'Acme Wholesale Supplies: manager (decides links and orders)' } },
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

/** What a shelf row may add: a sub-category, a "was" price (the product is on offer), attributes. */
interface ShelfExtra {
  category?: string;
  compareAt?: string;
  attributes?: Record<string, unknown>;
}

const KOSHER = { kosher: true };
const ORGANIC = { organic: true };

/**
 * [name, unit, price in ILS, extras] per top-level category, in shelf order. SKUs are given in
 * this order (`mamiProducts`).
 */
const MAMI_SHELVES: Record<string, [name: string, unit: string, price: string, extra?: ShelfExtra][]> = {
  "Fruits & Vegetables": [
    ["Apples Gala", 'kg', '12.90'],
    ["Apples Granny Smith", 'kg', '13.90'],
    ["Bananas", 'kg', '9.90', { compareAt: '11.90' }],
    ["Oranges", 'kg', '8.90'],
    ["Mandarins", 'kg', '10.90'],
    ["Tomatoes", 'kg', '9.90'],
    ["Cherry Tomatoes", '500g', '7.90', { attributes: ORGANIC }],
    ["Cucumbers", 'kg', '8.50'],
    ["Bell Pepper Red", 'kg', '14.90'],
    ["Bell Pepper Yellow", 'kg', '14.90'],
    ["Sweet Potatoes", 'kg', '11.90'],
    ["Potatoes", 'kg', '6.90'],
    ["Carrots", 'kg', '6.50'],
    ["Zucchini", 'kg', '7.90'],
    ["Eggplant", 'kg', '8.90'],
    ["Avocado", 'unit', '6.90', { attributes: ORGANIC }],
    ["Lemons", 'kg', '10.90'],
    ["Iceberg Lettuce", 'unit', '6.90'],
    ["Romaine Lettuce", 'unit', '7.90'],
    ["Parsley", 'bunch', '4.90'],
    ["Cilantro", 'bunch', '4.90'],
    ["Mint", 'bunch', '4.90'],
  ],
  "Dairy & Eggs": [
    ["Milk 3%", '1L', '6.20', { attributes: KOSHER }],
    ["Milk 1%", '1L', '6.00'],
    ["Chocolate Milk", '1L', '6.90'],
    ["Greek Yogurt", '200g', '4.90', { compareAt: '5.90', attributes: KOSHER }],
    ["Natural Yogurt", '200g', '3.90'],
    ["Cottage Cheese 5%", '250g', '7.90', { category: 'Cheese', attributes: KOSHER }],
    ["Cream Cheese", '200g', '8.90', { category: 'Cheese' }],
    ["Yellow Cheese Slices", '200g', '12.90', { category: 'Cheese', attributes: KOSHER }],
    ["Mozzarella Cheese", '200g', '11.90', { category: 'Cheese' }],
    ["Butter", '200g', '10.90'],
    ["Whipping Cream", '250ml', '7.90'],
    ["Eggs L", '12pcs', '14.90'],
    ["Eggs M", '12pcs', '13.90'],
  ],
  "Meat & Fish": [
    ["Chicken Breast", 'kg', '39.90', { attributes: KOSHER }],
    ["Chicken Thighs", 'kg', '34.90'],
    ["Whole Chicken", 'kg', '22.90'],
    ["Ground Beef", 'kg', '59.90'],
    ["Beef Entrecote", 'kg', '89.90'],
    ["Beef Stew Meat", 'kg', '69.90'],
    ["Turkey Breast", 'kg', '44.90'],
    ["Turkey Shawarma", 'kg', '52.00'],
    ["Salmon Fillet", 'kg', '99.00', { compareAt: '119.00' }],
    ["Tilapia Fillet", 'kg', '64.90'],
    ["Frozen Fish Fingers", '400g', '19.90'],
  ],
  "Bakery": [
    ["White Bread", '750g', '9.50'],
    ["Whole Wheat Bread", '750g', '10.50'],
    ["Sourdough Bread", '700g', '12.90', { attributes: ORGANIC }],
    ["Pita Bread", '10pcs', '8.90'],
    ["Challah", 'unit', '14.90', { attributes: KOSHER }],
    ["Bagel", 'unit', '4.90'],
    ["Croissant", 'unit', '6.90'],
    ["Chocolate Croissant", 'unit', '7.90'],
  ],
  "Frozen": [
    ["Frozen Peas", '800g', '9.90'],
    ["Frozen Corn", '800g', '9.90'],
    ["Frozen Fries", '1kg', '14.90'],
    ["Frozen Pizza", 'unit', '19.90'],
    ["Frozen Lasagna", 'unit', '24.90'],
    ["Ice Cream Vanilla", '1L', '24.90'],
    ["Ice Cream Chocolate", '1L', '24.90'],
  ],
  "Beverages": [
    ["Mineral Water", '1.5L', '4.50'],
    ["Sparkling Water", '1.5L', '4.90'],
    ["Cola", '1.5L', '8.90'],
    ["Diet Cola", '1.5L', '8.90'],
    ["Orange Juice", '1L', '11.90'],
    ["Apple Juice", '1L', '11.90'],
    ["Iced Tea Lemon", '1.5L', '10.90'],
    ["Energy Drink", '250ml', '7.90'],
  ],
  "Snacks": [
    ["Potato Chips Classic", '70g', '6.50'],
    ["Potato Chips BBQ", '70g', '6.50'],
    ["Salted Peanuts", '200g', '9.90'],
    ["Cashews Roasted", '200g', '18.90'],
    ["Almonds Roasted", '200g', '18.90'],
    ["Protein Bar", 'unit', '8.90'],
    ["Granola Bar", 'unit', '4.90'],
  ],
  "Pantry": [
    ["Pasta Spaghetti", '500g', '6.90'],
    ["Pasta Penne", '500g', '6.90'],
    ["Rice White", '1kg', '8.90'],
    ["Rice Basmati", '1kg', '11.90'],
    ["Tuna Can", '160g', '7.50'],
    ["Canned Corn", '340g', '6.90'],
    ["Chickpeas Can", '560g', '7.90'],
    ["Tomato Sauce", '500g', '5.90'],
    ["Ketchup", '500g', '9.90'],
    ["Mayonnaise", '500g', '9.90'],
    ["Olive Oil", '1L', '42.90', { compareAt: '49.90', attributes: { organic: true, kosher: true } }],
    ["Sugar", '1kg', '6.90'],
    ["Salt", '1kg', '4.50'],
  ],
  "Breakfast": [
    ["Corn Flakes", '500g', '14.90'],
    ["Chocolate Cereal", '500g', '16.90'],
    ["Oat Flakes", '500g', '9.90', { attributes: ORGANIC }],
    ["Chocolate Spread", '400g', '17.90', { compareAt: '21.90' }],
    ["Peanut Butter", '340g', '14.90'],
    ["Honey", '350g', '24.90'],
    ["Strawberry Jam", '340g', '12.90'],
  ],
  "Household": [
    ["Toilet Paper", '12 rolls', '29.90'],
    ["Paper Towels", '6 rolls', '22.90'],
    ["Dish Soap", '750ml', '12.90'],
    ["Laundry Detergent", '2L', '34.90', { compareAt: '39.90' }],
    ["Fabric Softener", '2L', '18.90'],
    ["All Purpose Cleaner", '1L', '9.90'],
  ],
  "Personal Care": [
    ["Shampoo", '500ml', '19.90'],
    ["Conditioner", '500ml', '19.90'],
    ["Body Wash", '700ml', '18.90'],
    ["Hand Soap", '500ml', '7.90'],
    ["Soap Bars", '4pcs', '9.90'],
    ["Toothpaste", 'unit', '12.90'],
    ["Deodorant", 'unit', '16.90'],
  ],
};

/** One store product, as the demo imports it. */
export interface MamiProduct {
  sku: string;
  name: string;
  unit: string;
  price: string;
  /** The "was" price of a product on offer, else null. */
  compareAtPrice: string | null;
  attributes: Record<string, unknown>;
  /** Name of its category (a top-level one, or Cheese). */
  category: string;
}

/** The 109 store products with deterministic SKUs `MAMI-0001` … `MAMI-0109`. */
export function mamiProducts(): MamiProduct[] {
  const out: MamiProduct[] = [];
  for (const [shelf, rows] of Object.entries(MAMI_SHELVES)) {
    for (const [name, unit, price, extra = {}] of rows) {
      out.push({
        sku: `MAMI-${String(out.length + 1).padStart(4, '0')}`,
        name,
        unit,
        price,
        compareAtPrice: extra.compareAt ?? null,
        attributes: extra.attributes ?? {},
        category: extra.category ?? shelf,
      });
    }
  }
  return out;
}

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
      { role: 'manager', user: { email: 'store.manager@example.com', fullName: 'Mami Manager', what: 'Mami Supermarket: manager (catalog, stock at the branches, orders, customers)' } },
    ] as { role: string; user: DemoUser }[],
  },
  /** A customer: a person with no organization who browses the public store. */
  shopper: { email: 'shopper@example.com', fullName: 'Dana Shopper', what: 'customer with no organization (one delivery order from the Mami store)' } as DemoUser,
};
