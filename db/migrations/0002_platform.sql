DROP INDEX "orders_number_key";--> statement-breakpoint
CREATE UNIQUE INDEX "orders_supplier_number_key" ON "orders" USING btree ("supplier_id","number");