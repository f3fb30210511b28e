# -*- coding: UTF-8 -*-
# 13 rows planned. To keep a row out, delete its line;
# do not comment it out (comments are allowed only above and below the rows).
logger.info("Loading rows to table repairdemo_note...")
# fields: id, owner_type_id, owner_id, date, time, subject, body
loader.save(create_repairdemo_note(7,repairdemo_Person,7,date(2025,8,30),time(8,44,1),'Quote "as discussed"','Called back, no answer.'))
loader.save(create_repairdemo_note(9,repairdemo_Order,74,date(2025,5,6),time(11,7,10),'Follow-up ✉','Called back, no answer.'))
loader.save(create_repairdemo_note(33,repairdemo_Person,19,date(2025,9,22),None,'Quote "as discussed"','Müller said: "Nächste Woche".\r\nOK.'))
loader.save(create_repairdemo_note(34,repairdemo_Person,19,date(2025,7,9),time(16,21,24),'Rückruf erbeten','Keys are under the mat\\flowerpot (sic)'))
loader.save(create_repairdemo_note(35,repairdemo_Order,49,date(2025,2,11),time(15,25,37),'Follow-up ✉','Keys are under the mat\\flowerpot (sic)'))
loader.save(create_repairdemo_note(38,repairdemo_Person,7,date(2025,5,17),time(14,31,38),'Rückruf erbeten','Called back, no answer.'))
loader.save(create_repairdemo_note(40,repairdemo_Company,13,date(2025,10,28),time(10,8,51),'Phone call','Multi\nline\n\nwith empty line'))
loader.save(create_repairdemo_note(56,repairdemo_Person,19,date(2025,4,18),None,'Rückruf erbeten','Keys are under the mat\\flowerpot (sic)'))
loader.save(create_repairdemo_note(67,repairdemo_Person,7,date(2025,11,19),None,'Rückruf erbeten','Keys are under the mat\\flowerpot (sic)'))
loader.save(create_repairdemo_note(69,repairdemo_Person,27,date(2025,3,6),time(11,19,12),'Follow-up ✉','Müller said: "Nächste Woche".\r\nOK.'))
loader.save(create_repairdemo_note(73,repairdemo_Order,53,date(2025,10,8),time(9,49,57),'Quote "as discussed"','Customer wrote:\n> The parcel was damaged.\n> Please replace it.'))
loader.save(create_repairdemo_note(74,repairdemo_Company,13,date(2025,6,10),time(11,53,54),'Follow-up ✉','Agreed on a 5% discount 👍'))
loader.save(create_repairdemo_note(84,repairdemo_Person,27,date(2025,8,14),time(17,17,23),'Payment reminder','Customer wrote:\n> The parcel was damaged.\n> Please replace it.'))

loader.flush_deferred_objects()
