# -*- coding: UTF-8 -*-
# 12 rows planned. To keep a row out, delete its line;
# do not comment it out (comments are allowed only above and below the rows).
logger.info("Loading rows to table repairdemo_order...")
# fields: id, partner_id, order_date, delivery_time, placed_at, total, remark
loader.save(create_repairdemo_order(48,27,date(2025,3,20),time(9,45,30),dt(2025,3,18,16,50,30),'1413.72','Prefers "express" delivery.'))
loader.save(create_repairdemo_order(49,27,date(2025,4,21),None,dt(2025,4,19,3,33,42),'1025.87','Très sympa 😀, always pays on time'))
loader.save(create_repairdemo_order(53,13,date(2025,6,24),time(13,30,0),dt(2025,6,22,4,7,37),'895.27',''))
loader.save(create_repairdemo_order(63,19,date(2025,4,16),None,dt(2025,4,13,1,34,10),'1820.65','Two lines:\nfirst line\nsecond line'))
loader.save(create_repairdemo_order(64,7,date(2025,5,6),time(19,30,0),dt(2025,5,3,3,8,16),'1502.31','Prefers "express" delivery.'))
loader.save(create_repairdemo_order(74,27,date(2025,5,26),None,dt(2025,5,23,12,28,40),'219.30','It\'s "complicated" — see notes ✓'))
loader.save(create_repairdemo_order(76,7,date(2025,5,26),time(13,30,0),dt(2025,5,25,19,5,40),'168.90','It\'s "complicated" — see notes ✓'))
loader.save(create_repairdemo_order(87,19,date(2025,5,5),time(7,15,0),dt(2025,5,2,10,50,28),'154.25',''))
loader.save(create_repairdemo_order(94,13,date(2025,8,24),time(16,15,0),dt(2025,8,22,8,32,40),'733.06',''))
loader.save(create_repairdemo_order(102,27,date(2025,10,2),None,dt(2025,9,30,11,29,46),'337.80','Two lines:\nfirst line\nsecond line'))
loader.save(create_repairdemo_order(104,13,date(2025,1,22),time(12,30,30),dt(2025,1,21,14,20,48),'254.43',''))
loader.save(create_repairdemo_order(138,7,date(2025,6,7),time(8,30,0),dt(2025,6,4,22,39,13),'402.58','Two lines:\nfirst line\nsecond line'))

loader.flush_deferred_objects()
