/**
 * The Mami supermarket's 109 products, shelf by shelf (name, unit, price in ILS, category, offers,
 * attributes), part of the demo fixture (`fixture.ts`).
 */

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
  'Fruits & Vegetables': [
    ['Apples Gala', 'kg', '12.90'],
    ['Apples Granny Smith', 'kg', '13.90'],
    ['Bananas', 'kg', '9.90', { compareAt: '11.90' }],
    ['Oranges', 'kg', '8.90'],
    ['Mandarins', 'kg', '10.90'],
    ['Tomatoes', 'kg', '9.90'],
    ['Cherry Tomatoes', '500g', '7.90', { attributes: ORGANIC }],
    ['Cucumbers', 'kg', '8.50'],
    ['Bell Pepper Red', 'kg', '14.90'],
    ['Bell Pepper Yellow', 'kg', '14.90'],
    ['Sweet Potatoes', 'kg', '11.90'],
    ['Potatoes', 'kg', '6.90'],
    ['Carrots', 'kg', '6.50'],
    ['Zucchini', 'kg', '7.90'],
    ['Eggplant', 'kg', '8.90'],
    ['Avocado', 'unit', '6.90', { attributes: ORGANIC }],
    ['Lemons', 'kg', '10.90'],
    ['Iceberg Lettuce', 'unit', '6.90'],
    ['Romaine Lettuce', 'unit', '7.90'],
    ['Parsley', 'bunch', '4.90'],
    ['Cilantro', 'bunch', '4.90'],
    ['Mint', 'bunch', '4.90'],
  ],
  'Dairy & Eggs': [
    ['Milk 3%', '1L', '6.20', { attributes: KOSHER }],
    ['Milk 1%', '1L', '6.00'],
    ['Chocolate Milk', '1L', '6.90'],
    ['Greek Yogurt', '200g', '4.90', { compareAt: '5.90', attributes: KOSHER }],
    ['Natural Yogurt', '200g', '3.90'],
    ['Cottage Cheese 5%', '250g', '7.90', { category: 'Cheese', attributes: KOSHER }],
    ['Cream Cheese', '200g', '8.90', { category: 'Cheese' }],
    ['Yellow Cheese Slices', '200g', '12.90', { category: 'Cheese', attributes: KOSHER }],
    ['Mozzarella Cheese', '200g', '11.90', { category: 'Cheese' }],
    ['Butter', '200g', '10.90'],
    ['Whipping Cream', '250ml', '7.90'],
    ['Eggs L', '12pcs', '14.90'],
    ['Eggs M', '12pcs', '13.90'],
  ],
  'Meat & Fish': [
    ['Chicken Breast', 'kg', '39.90', { attributes: KOSHER }],
    ['Chicken Thighs', 'kg', '34.90'],
    ['Whole Chicken', 'kg', '22.90'],
    ['Ground Beef', 'kg', '59.90'],
    ['Beef Entrecote', 'kg', '89.90'],
    ['Beef Stew Meat', 'kg', '69.90'],
    ['Turkey Breast', 'kg', '44.90'],
    ['Turkey Shawarma', 'kg', '52.00'],
    ['Salmon Fillet', 'kg', '99.00', { compareAt: '119.00' }],
    ['Tilapia Fillet', 'kg', '64.90'],
    ['Frozen Fish Fingers', '400g', '19.90'],
  ],
  Bakery: [
    ['White Bread', '750g', '9.50'],
    ['Whole Wheat Bread', '750g', '10.50'],
    ['Sourdough Bread', '700g', '12.90', { attributes: ORGANIC }],
    ['Pita Bread', '10pcs', '8.90'],
    ['Challah', 'unit', '14.90', { attributes: KOSHER }],
    ['Bagel', 'unit', '4.90'],
    ['Croissant', 'unit', '6.90'],
    ['Chocolate Croissant', 'unit', '7.90'],
  ],
  Frozen: [
    ['Frozen Peas', '800g', '9.90'],
    ['Frozen Corn', '800g', '9.90'],
    ['Frozen Fries', '1kg', '14.90'],
    ['Frozen Pizza', 'unit', '19.90'],
    ['Frozen Lasagna', 'unit', '24.90'],
    ['Ice Cream Vanilla', '1L', '24.90'],
    ['Ice Cream Chocolate', '1L', '24.90'],
  ],
  Beverages: [
    ['Mineral Water', '1.5L', '4.50'],
    ['Sparkling Water', '1.5L', '4.90'],
    ['Cola', '1.5L', '8.90'],
    ['Diet Cola', '1.5L', '8.90'],
    ['Orange Juice', '1L', '11.90'],
    ['Apple Juice', '1L', '11.90'],
    ['Iced Tea Lemon', '1.5L', '10.90'],
    ['Energy Drink', '250ml', '7.90'],
  ],
  Snacks: [
    ['Potato Chips Classic', '70g', '6.50'],
    ['Potato Chips BBQ', '70g', '6.50'],
    ['Salted Peanuts', '200g', '9.90'],
    ['Cashews Roasted', '200g', '18.90'],
    ['Almonds Roasted', '200g', '18.90'],
    ['Protein Bar', 'unit', '8.90'],
    ['Granola Bar', 'unit', '4.90'],
  ],
  Pantry: [
    ['Pasta Spaghetti', '500g', '6.90'],
    ['Pasta Penne', '500g', '6.90'],
    ['Rice White', '1kg', '8.90'],
    ['Rice Basmati', '1kg', '11.90'],
    ['Tuna Can', '160g', '7.50'],
    ['Canned Corn', '340g', '6.90'],
    ['Chickpeas Can', '560g', '7.90'],
    ['Tomato Sauce', '500g', '5.90'],
    ['Ketchup', '500g', '9.90'],
    ['Mayonnaise', '500g', '9.90'],
    ['Olive Oil', '1L', '42.90', { compareAt: '49.90', attributes: { organic: true, kosher: true } }],
    ['Sugar', '1kg', '6.90'],
    ['Salt', '1kg', '4.50'],
  ],
  Breakfast: [
    ['Corn Flakes', '500g', '14.90'],
    ['Chocolate Cereal', '500g', '16.90'],
    ['Oat Flakes', '500g', '9.90', { attributes: ORGANIC }],
    ['Chocolate Spread', '400g', '17.90', { compareAt: '21.90' }],
    ['Peanut Butter', '340g', '14.90'],
    ['Honey', '350g', '24.90'],
    ['Strawberry Jam', '340g', '12.90'],
  ],
  Household: [
    ['Toilet Paper', '12 rolls', '29.90'],
    ['Paper Towels', '6 rolls', '22.90'],
    ['Dish Soap', '750ml', '12.90'],
    ['Laundry Detergent', '2L', '34.90', { compareAt: '39.90' }],
    ['Fabric Softener', '2L', '18.90'],
    ['All Purpose Cleaner', '1L', '9.90'],
  ],
  'Personal Care': [
    ['Shampoo', '500ml', '19.90'],
    ['Conditioner', '500ml', '19.90'],
    ['Body Wash', '700ml', '18.90'],
    ['Hand Soap', '500ml', '7.90'],
    ['Soap Bars', '4pcs', '9.90'],
    ['Toothpaste', 'unit', '12.90'],
    ['Deodorant', 'unit', '16.90'],
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
