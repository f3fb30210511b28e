"""Make the dumps of an upgrade from 1.0 to 2.0 with real Lino, into a directory.

Usage::

    python demo/upgrade/make_dumps.py OUTDIR

Writes into OUTDIR (which must not exist):

- ``backup-v1/``: ``dump2py`` of the demo site at version 1.0 after ``prep``;
- ``upgraded.sqlite3``: that dump loaded by the 2.0 site (``run restore.py``:
  Lino's own loader and the site's migrator ``migrate_from_1_0``), i.e. what
  the upgrade made of the 1.0 database;
- ``backup-v2/``: ``dump2py`` of the upgraded site after notes 3 and 4 were
  deleted (a deletion between the two backups);
- ``current-v2/`` and ``current.sqlite3``: the 2.0 site after the accident
  (``ACCIDENT`` below), dumped.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

UPGRADE_DIR = Path(__file__).resolve().parent
DEMO_DIR = UPGRADE_DIR.parent

# Deleted between backup-v2 and the accident (the older backup still has them).
DELETED_BEFORE = "DELETE FROM notes_note WHERE id IN (3, 4);"
# The accident: partners 7 (a person) and 13 (a company) with their orders,
# order items and notes; category 9 with its products 16 and 17; product 30.
ACCIDENT = """
CREATE TEMP TABLE gone_orders AS SELECT id FROM repairdemo_order WHERE partner_id IN (7, 13);
CREATE TEMP TABLE gone_products AS SELECT id FROM repairdemo_product
    WHERE category_id = 9 OR id = 30;
DELETE FROM notes_note WHERE owner_id IN (SELECT id FROM gone_orders) AND owner_type_id =
    (SELECT id FROM django_content_type WHERE app_label = 'repairdemo' AND model = 'order');
DELETE FROM notes_note WHERE owner_id IN (SELECT id FROM gone_products) AND owner_type_id =
    (SELECT id FROM django_content_type WHERE app_label = 'repairdemo' AND model = 'product');
DELETE FROM notes_note WHERE owner_id IN (7, 13) AND owner_type_id IN
    (SELECT id FROM django_content_type WHERE app_label = 'repairdemo'
     AND model IN ('partner', 'person', 'company'));
DELETE FROM repairdemo_orderitem WHERE order_id IN (SELECT id FROM gone_orders)
    OR product_id IN (SELECT id FROM gone_products);
DELETE FROM repairdemo_order WHERE id IN (SELECT id FROM gone_orders);
DELETE FROM repairdemo_product WHERE id IN (SELECT id FROM gone_products);
DELETE FROM repairdemo_category WHERE id = 9;
DELETE FROM repairdemo_person WHERE partner_ptr_id = 7;
DELETE FROM repairdemo_company WHERE partner_ptr_id = 13;
DELETE FROM repairdemo_partner WHERE id IN (7, 13);
"""


def manage(manage_py, settings, db, *args):
    """Run ``manage.py ARGS`` with ``settings`` and the site's database at ``db``."""
    env = dict(os.environ, REPAIRDEMO_DB=str(db), DJANGO_SETTINGS_MODULE=settings)
    cmd = [sys.executable, str(manage_py), *map(str, args)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}")


def run_sql(db, script):
    connection = sqlite3.connect(db)
    try:
        with connection:
            connection.executescript(script)
    finally:
        connection.close()


def build(out):
    v1 = (DEMO_DIR / "manage.py", "repairdemo.settings_v1")
    v2 = (UPGRADE_DIR / "manage.py", "repairdemo.settings")
    out.mkdir(parents=True)
    manage(*v1, out / "v1.sqlite3", "prep", "--noinput")
    manage(*v1, out / "v1.sqlite3", "dump2py", out / "backup-v1")
    (out / "v1.sqlite3").unlink()
    manage(*v2, out / "upgraded.sqlite3", "run", out / "backup-v1" / "restore.py", "--noinput")
    site = out / "site.sqlite3"
    shutil.copyfile(out / "upgraded.sqlite3", site)
    run_sql(site, DELETED_BEFORE)
    manage(*v2, site, "dump2py", out / "backup-v2")
    run_sql(site, ACCIDENT)
    manage(*v2, site, "dump2py", out / "current-v2")
    site.rename(out / "current.sqlite3")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
