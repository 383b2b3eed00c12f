/**
 * The demo fixture: Agora's own small data set, written for this project from the facts of two
 * seed systems (names, SKUs, prices, quantities). `demo.ts` loads it through the public API.
 *
 * - The Acme exchange (seed 000): a wholesale supplier that sells to linked consumers only, its
 *   staff, one consumer organization with an accepted link, three products and a pending order
 *   of 175,000.00 KZT.
 * - The Mami supermarket (seed 002): a public store in ILS with 14 categories and 109 products,
 *   a manager, and a shopper who belongs to no organization (a customer).
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
};

// ---------------------------------------------------------------------------------------------
// The Mami supermarket (public store, seed 002)
// ---------------------------------------------------------------------------------------------

/** Starting stock of every Mami product, at the store's default stock location. */
export const MAMI_INITIAL_STOCK = 50;

/**
 * The store's branches. Not loaded yet: stock locations have no API so far, so every product's
 * stock sits at the default location (TODO: one stock location per branch once the API exists).
 */
export const MAMI_BRANCHES = [
  { name: 'Mami - Tel Aviv (Dizengoff)', address: '123 Dizengoff St, Tel Aviv-Yafo, Israel' },
  { name: 'Mami - Tel Aviv (Yarkon)', address: '180 HaYarkon St, Tel Aviv-Yafo, Israel' },
  { name: 'Mami - Rishon LeZion', address: '15 Rothschild Blvd, Rishon LeZion, Israel' },
  { name: 'Mami - Ramat Gan', address: '3 Ben Gurion Rd, Ramat Gan, Israel' },
];

/** The 14 store categories; the last three have no products yet. */
export const MAMI_CATEGORIES: { name: string; slug: string }[] = [
  { name: 'Fruits & Vegetables', slug: 'fruits-vegetables' },
  { name: 'Dairy & Eggs', slug: 'dairy-eggs' },
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

/** [name, unit, price in ILS] per category, in shelf order. SKUs are given in this order (`mamiProducts`). */
const MAMI_SHELVES: Record<string, [name: string, unit: string, price: string][]> = {
  "Fruits & Vegetables": [
    ["Apples Gala", 'kg', '12.90'],
    ["Apples Granny Smith", 'kg', '13.90'],
    ["Bananas", 'kg', '9.90'],
    ["Oranges", 'kg', '8.90'],
    ["Mandarins", 'kg', '10.90'],
    ["Tomatoes", 'kg', '9.90'],
    ["Cherry Tomatoes", '500g', '7.90'],
    ["Cucumbers", 'kg', '8.50'],
    ["Bell Pepper Red", 'kg', '14.90'],
    ["Bell Pepper Yellow", 'kg', '14.90'],
    ["Sweet Potatoes", 'kg', '11.90'],
    ["Potatoes", 'kg', '6.90'],
    ["Carrots", 'kg', '6.50'],
    ["Zucchini", 'kg', '7.90'],
    ["Eggplant", 'kg', '8.90'],
    ["Avocado", 'unit', '6.90'],
    ["Lemons", 'kg', '10.90'],
    ["Iceberg Lettuce", 'unit', '6.90'],
    ["Romaine Lettuce", 'unit', '7.90'],
    ["Parsley", 'bunch', '4.90'],
    ["Cilantro", 'bunch', '4.90'],
    ["Mint", 'bunch', '4.90'],
  ],
  "Dairy & Eggs": [
    ["Milk 3%", '1L', '6.20'],
    ["Milk 1%", '1L', '6.00'],
    ["Chocolate Milk", '1L', '6.90'],
    ["Greek Yogurt", '200g', '4.90'],
    ["Natural Yogurt", '200g', '3.90'],
    ["Cottage Cheese 5%", '250g', '7.90'],
    ["Cream Cheese", '200g', '8.90'],
    ["Yellow Cheese Slices", '200g', '12.90'],
    ["Mozzarella Cheese", '200g', '11.90'],
    ["Butter", '200g', '10.90'],
    ["Whipping Cream", '250ml', '7.90'],
    ["Eggs L", '12pcs', '14.90'],
    ["Eggs M", '12pcs', '13.90'],
  ],
  "Meat & Fish": [
    ["Chicken Breast", 'kg', '39.90'],
    ["Chicken Thighs", 'kg', '34.90'],
    ["Whole Chicken", 'kg', '22.90'],
    ["Ground Beef", 'kg', '59.90'],
    ["Beef Entrecote", 'kg', '89.90'],
    ["Beef Stew Meat", 'kg', '69.90'],
    ["Turkey Breast", 'kg', '44.90'],
    ["Turkey Shawarma", 'kg', '52.00'],
    ["Salmon Fillet", 'kg', '99.00'],
    ["Tilapia Fillet", 'kg', '64.90'],
    ["Frozen Fish Fingers", '400g', '19.90'],
  ],
  "Bakery": [
    ["White Bread", '750g', '9.50'],
    ["Whole Wheat Bread", '750g', '10.50'],
    ["Sourdough Bread", '700g', '12.90'],
    ["Pita Bread", '10pcs', '8.90'],
    ["Challah", 'unit', '14.90'],
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
    ["Olive Oil", '1L', '42.90'],
    ["Sugar", '1kg', '6.90'],
    ["Salt", '1kg', '4.50'],
  ],
  "Breakfast": [
    ["Corn Flakes", '500g', '14.90'],
    ["Chocolate Cereal", '500g', '16.90'],
    ["Oat Flakes", '500g', '9.90'],
    ["Chocolate Spread", '400g', '17.90'],
    ["Peanut Butter", '340g', '14.90'],
    ["Honey", '350g', '24.90'],
    ["Strawberry Jam", '340g', '12.90'],
  ],
  "Household": [
    ["Toilet Paper", '12 rolls', '29.90'],
    ["Paper Towels", '6 rolls', '22.90'],
    ["Dish Soap", '750ml', '12.90'],
    ["Laundry Detergent", '2L', '34.90'],
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

/** One store product, ready to post. */
export interface MamiProduct {
  sku: string;
  name: string;
  unit: string;
  price: string;
  category: string;
}

/** The 109 store products with deterministic SKUs `MAMI-0001` … `MAMI-0109`. */
export function mamiProducts(): MamiProduct[] {
  const out: MamiProduct[] = [];
  for (const [category, rows] of Object.entries(MAMI_SHELVES)) {
    for (const [name, unit, price] of rows) {
      out.push({ sku: `MAMI-${String(out.length + 1).padStart(4, '0')}`, name, unit, price, category });
    }
  }
  return out;
}

export const MAMI = {
  supplier: {
    name: 'Mami Supermarket',
    currency: 'ILS',
    catalogVisibility: 'public' as const,
    owner: { email: 'store.owner@example.com', fullName: 'Mami Owner', what: 'Mami Supermarket: owner' },
    staff: [
      { role: 'manager', user: { email: 'store.manager@example.com', fullName: 'Mami Manager', what: 'Mami Supermarket: manager (catalog, stock, orders)' } },
    ] as { role: string; user: DemoUser }[],
  },
  /** A customer: a person with no organization who browses the public store. */
  shopper: { email: 'shopper@example.com', fullName: 'Dana Shopper', what: 'customer with no organization (browses the public Mami store)' } as DemoUser,
};
