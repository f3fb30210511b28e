-- repairkit restore script for PostgreSQL.
-- Reinstates 69 row(s) in 6 table(s) missing from current, taken from backup.
-- Run: psql -1 -v ON_ERROR_STOP=1 -d DBNAME -f repair.sql
-- Each row is inserted only if its primary key is still free when this runs;
-- everything happens in one transaction.
-- Stops at the first error (ON_ERROR_STOP); the transaction is then rolled
-- back. Foreign keys are checked at COMMIT. Sequences are moved past the
-- highest key of each table they serve, never lowered.

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
BEGIN;
SET LOCAL TIME ZONE 'UTC';
SET CONSTRAINTS ALL DEFERRED;
CREATE TEMPORARY TABLE "repairkit_check" ("problem" text NOT NULL, "passed" integer NOT NULL) ON COMMIT DROP;

-- Content types are looked up by name: each must exist here.
INSERT INTO "repairkit_check" ("problem", "passed")
VALUES ('content type repairdemo.company must exist', CASE WHEN NOT EXISTS (SELECT 1 FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'company') THEN NULL ELSE 1 END);
INSERT INTO "repairkit_check" ("problem", "passed")
VALUES ('content type repairdemo.order must exist', CASE WHEN NOT EXISTS (SELECT 1 FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'order') THEN NULL ELSE 1 END);
INSERT INTO "repairkit_check" ("problem", "passed")
VALUES ('content type repairdemo.person must exist', CASE WHEN NOT EXISTS (SELECT 1 FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person') THEN NULL ELSE 1 END);

-- repairdemo_partner: 4 row(s) from backup
INSERT INTO "repairdemo_partner" ("id", "name", "email", "street", "city", "country_id", "is_active", "created", "remark")
VALUES
  (7, 'Özlem N''Diaye', 'ozlem.ndiaye7@example.org', 'Hauptstraße 90', 'Kelmis', 'BE', TRUE, '2024-02-26 16:41:36', convert_from(decode('5061746820433A5C55736572735C64656D6F5C6F72646572732E747874', 'hex'), 'UTF8')),
  (13, 'Café "Le Petit" SPRL', 'info13@company.example.com', 'Tartu mnt 96', 'Kelmis', 'BE', FALSE, '2023-10-31 06:26:38', 'Très sympa 😀, always pays on time'),
  (19, 'Mathieu Evers', 'mathieu.evers19@example.org', 'Bahnhofstraße 93', '', NULL, TRUE, '2023-02-04 14:11:55', 'It''s "complicated" — see notes ✓'),
  (27, 'Dominique D''Hondt', 'dominique.dhondt27@example.org', 'Bahnhofstraße 114', 'Aachen', 'DE', TRUE, '2024-06-10 17:20:39', '')
ON CONFLICT ("id") DO NOTHING;

-- repairdemo_company: 1 row(s) from backup
INSERT INTO "repairdemo_company" ("partner_ptr_id", "vat_id")
VALUES
  (13, 'BE0309.706.830')
ON CONFLICT ("partner_ptr_id") DO NOTHING;

-- repairdemo_order: 12 row(s) from backup
INSERT INTO "repairdemo_order" ("id", "partner_id", "order_date", "delivery_time", "placed_at", "total", "remark")
VALUES
  (48, 27, '2025-03-20', '09:45:30', '2025-03-18 16:50:30', 1413.72, 'Prefers "express" delivery.'),
  (49, 27, '2025-04-21', NULL, '2025-04-19 03:33:42', 1025.87, 'Très sympa 😀, always pays on time'),
  (53, 13, '2025-06-24', '13:30:00', '2025-06-22 04:07:37', 895.27, ''),
  (63, 19, '2025-04-16', NULL, '2025-04-13 01:34:10', 1820.65, 'Two lines:
first line
second line'),
  (64, 7, '2025-05-06', '19:30:00', '2025-05-03 03:08:16', 1502.31, 'Prefers "express" delivery.'),
  (74, 27, '2025-05-26', NULL, '2025-05-23 12:28:40', 219.30, 'It''s "complicated" — see notes ✓'),
  (76, 7, '2025-05-26', '13:30:00', '2025-05-25 19:05:40', 168.90, 'It''s "complicated" — see notes ✓'),
  (87, 19, '2025-05-05', '07:15:00', '2025-05-02 10:50:28', 154.25, ''),
  (94, 13, '2025-08-24', '16:15:00', '2025-08-22 08:32:40', 733.06, ''),
  (102, 27, '2025-10-02', NULL, '2025-09-30 11:29:46', 337.80, 'Two lines:
first line
second line'),
  (104, 13, '2025-01-22', '12:30:30', '2025-01-21 14:20:48', 254.43, ''),
  (138, 7, '2025-06-07', '08:30:00', '2025-06-04 22:39:13', 402.58, 'Two lines:
first line
second line')
ON CONFLICT ("id") DO NOTHING;

-- repairdemo_person: 3 row(s) from backup
INSERT INTO "repairdemo_person" ("partner_ptr_id", "first_name", "last_name", "birth_date", "gender")
VALUES
  (7, 'Özlem', 'N''Diaye', '1949-09-14', 'F'),
  (19, 'Mathieu', 'Evers', NULL, 'M'),
  (27, 'Dominique', 'D''Hondt', '1977-06-05', '')
ON CONFLICT ("partner_ptr_id") DO NOTHING;

-- repairdemo_note: 13 row(s) from backup
INSERT INTO "repairdemo_note" ("id", "owner_type_id", "owner_id", "date", "time", "subject", "body")
VALUES
  (7, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 7, '2025-08-30', '08:44:01', 'Quote "as discussed"', 'Called back, no answer.'),
  (9, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'order'), 74, '2025-05-06', '11:07:10', 'Follow-up ✉', 'Called back, no answer.'),
  (33, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 19, '2025-09-22', NULL, 'Quote "as discussed"', convert_from(decode('4DC3BC6C6C657220736169643A20224EC3A4636873746520576F636865222E0D0A4F4B2E', 'hex'), 'UTF8')),
  (34, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 19, '2025-07-09', '16:21:24', 'Rückruf erbeten', convert_from(decode('4B6579732061726520756E64657220746865206D61745C666C6F776572706F74202873696329', 'hex'), 'UTF8')),
  (35, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'order'), 49, '2025-02-11', '15:25:37', 'Follow-up ✉', convert_from(decode('4B6579732061726520756E64657220746865206D61745C666C6F776572706F74202873696329', 'hex'), 'UTF8')),
  (38, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 7, '2025-05-17', '14:31:38', 'Rückruf erbeten', 'Called back, no answer.'),
  (40, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'company'), 13, '2025-10-28', '10:08:51', 'Phone call', 'Multi
line

with empty line'),
  (56, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 19, '2025-04-18', NULL, 'Rückruf erbeten', convert_from(decode('4B6579732061726520756E64657220746865206D61745C666C6F776572706F74202873696329', 'hex'), 'UTF8')),
  (67, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 7, '2025-11-19', NULL, 'Rückruf erbeten', convert_from(decode('4B6579732061726520756E64657220746865206D61745C666C6F776572706F74202873696329', 'hex'), 'UTF8')),
  (69, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 27, '2025-03-06', '11:19:12', 'Follow-up ✉', convert_from(decode('4DC3BC6C6C657220736169643A20224EC3A4636873746520576F636865222E0D0A4F4B2E', 'hex'), 'UTF8')),
  (73, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'order'), 53, '2025-10-08', '09:49:57', 'Quote "as discussed"', 'Customer wrote:
> The parcel was damaged.
> Please replace it.'),
  (74, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'company'), 13, '2025-06-10', '11:53:54', 'Follow-up ✉', 'Agreed on a 5% discount 👍'),
  (84, (SELECT "id" FROM "django_content_type" WHERE "app_label" = 'repairdemo' AND "model" = 'person'), 27, '2025-08-14', '17:17:23', 'Payment reminder', 'Customer wrote:
> The parcel was damaged.
> Please replace it.')
ON CONFLICT ("id") DO NOTHING;

-- repairdemo_orderitem: 36 row(s) from backup
INSERT INTO "repairdemo_orderitem" ("id", "order_id", "product_id", "qty", "unit_price")
VALUES
  (197, 48, 7, 5, 23.13),
  (198, 48, 14, 12, 61.73),
  (199, 48, 21, 4, 71.10),
  (200, 48, 6, 2, 43.86),
  (201, 48, 14, 3, 61.73),
  (202, 49, 28, 5, 54.85),
  (203, 49, 19, 1, 9.52),
  (204, 49, 1, 2, 7.82),
  (205, 49, 26, 2, 56.35),
  (206, 49, 30, 6, 29.16),
  (207, 49, 28, 8, 54.85),
  (226, 53, 5, 2, 84.46),
  (227, 53, 30, 11, 29.16),
  (228, 53, 3, 9, 8.71),
  (229, 53, 20, 5, 65.44),
  (265, 63, 25, 12, 27.73),
  (266, 63, 6, 6, 43.86),
  (267, 63, 30, 10, 29.16),
  (268, 63, 2, 8, 1.56),
  (269, 63, 12, 4, 25.88),
  (270, 63, 9, 11, 55.36),
  (271, 63, 7, 9, 23.13),
  (272, 64, 19, 10, 9.52),
  (273, 64, 12, 7, 25.88),
  (274, 64, 21, 5, 71.10),
  (275, 64, 10, 10, 58.41),
  (276, 64, 22, 3, 95.45),
  (312, 74, 6, 5, 43.86),
  (315, 76, 16, 3, 56.30),
  (358, 87, 13, 5, 30.85),
  (383, 94, 23, 10, 67.57),
  (384, 94, 18, 6, 9.56),
  (410, 102, 16, 6, 56.30),
  (418, 104, 7, 11, 23.13),
  (545, 138, 29, 3, 41.76),
  (546, 138, 25, 10, 27.73)
ON CONFLICT ("id") DO NOTHING;

SET CONSTRAINTS ALL IMMEDIATE;
SELECT setval(seq, GREATEST(max_pk, COALESCE(pg_sequence_last_value(seq), 0)))
FROM (SELECT CAST(pg_get_serial_sequence('"repairdemo_partner"', 'id') AS regclass) AS seq,
             (SELECT max("id") FROM "repairdemo_partner") AS max_pk) AS s
WHERE seq IS NOT NULL AND max_pk IS NOT NULL;
SELECT setval(seq, GREATEST(max_pk, COALESCE(pg_sequence_last_value(seq), 0)))
FROM (SELECT CAST(pg_get_serial_sequence('"repairdemo_order"', 'id') AS regclass) AS seq,
             (SELECT max("id") FROM "repairdemo_order") AS max_pk) AS s
WHERE seq IS NOT NULL AND max_pk IS NOT NULL;
SELECT setval(seq, GREATEST(max_pk, COALESCE(pg_sequence_last_value(seq), 0)))
FROM (SELECT CAST(pg_get_serial_sequence('"repairdemo_note"', 'id') AS regclass) AS seq,
             (SELECT max("id") FROM "repairdemo_note") AS max_pk) AS s
WHERE seq IS NOT NULL AND max_pk IS NOT NULL;
SELECT setval(seq, GREATEST(max_pk, COALESCE(pg_sequence_last_value(seq), 0)))
FROM (SELECT CAST(pg_get_serial_sequence('"repairdemo_orderitem"', 'id') AS regclass) AS seq,
             (SELECT max("id") FROM "repairdemo_orderitem") AS max_pk) AS s
WHERE seq IS NOT NULL AND max_pk IS NOT NULL;
COMMIT;
