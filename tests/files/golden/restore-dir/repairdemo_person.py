# -*- coding: UTF-8 -*-
# 3 rows planned. To keep a row out, delete its line;
# do not comment it out (comments are allowed only above and below the rows).
logger.info("Loading rows to table repairdemo_person...")
# fields: partner_ptr_id, first_name, last_name, birth_date, gender
loader.save(create_repairdemo_person(7,'Özlem',"N'Diaye",date(1949,9,14),'F'))
loader.save(create_repairdemo_person(19,'Mathieu','Evers',None,'M'))
loader.save(create_repairdemo_person(27,'Dominique',"D'Hondt",date(1977,6,5),''))

loader.flush_deferred_objects()
