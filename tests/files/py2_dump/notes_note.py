# -*- coding: UTF-8 -*-
logger.info("Loading 2 objects to table notes_note...")
# fields: id, owner_type, owner_id, time, body
loader.save(create_notes_note(1,contacts_Person,2,time(9,30,0),u'It\'s "fine"'))
loader.save(create_notes_note(2,None,None,None,u''))

loader.flush_deferred_objects()
