# -*- coding: UTF-8 -*-
# 1 rows planned. To keep a row out, delete its line;
# do not comment it out (comments are allowed only above and below the rows).
logger.info("Loading rows to table repairdemo_company...")
# fields: partner_ptr_id, vat_id
loader.save(create_repairdemo_company(13,'BE0309.706.830'))

loader.flush_deferred_objects()
