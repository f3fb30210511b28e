# -*- coding: UTF-8 -*-
logger.info("Loading 1 objects to table contacts_person...")
# fields: partner_ptr, first_name, gender
loader.save(create_contacts_person(2,u'J\xfcrgen',u'M'))

loader.flush_deferred_objects()
