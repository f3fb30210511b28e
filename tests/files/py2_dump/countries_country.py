# -*- coding: UTF-8 -*-
logger.info("Loading 2 objects to table countries_country...")
# fields: name, isocode, short_code
loader.save(create_countries_country([u'Belgien', u'Belgique', u'Belgium'],u'BE',u''))
loader.save(create_countries_country([u'Estland', u'Estonie', u'Estonia'],u'EE',u''))

loader.flush_deferred_objects()
