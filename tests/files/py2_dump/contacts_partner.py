# -*- coding: UTF-8 -*-
logger.info("Loading 2 objects to table contacts_partner...")
# fields: id, name, country, balance, created
loader.save(create_contacts_partner(1,u'Caf\xe9 M\xfcller',u'BE',u'12.50',dt(2018,12,3,9,5,0)))
loader.save(create_contacts_partner(2,u'Line one\nline \u201ctwo\u201d \\ end',None,None,None))

loader.flush_deferred_objects()
