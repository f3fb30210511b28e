# -*- coding: UTF-8 -*-
# 4 rows planned. To keep a row out, delete its line;
# do not comment it out (comments are allowed only above and below the rows).
logger.info("Loading rows to table repairdemo_partner...")
# fields: id, name, email, street, city, country_id, is_active, created, remark
loader.save(create_repairdemo_partner(7,"Özlem N'Diaye",'ozlem.ndiaye7@example.org','Hauptstraße 90','Kelmis','BE',True,dt(2024,2,26,16,41,36),'Path C:\\Users\\demo\\orders.txt'))
loader.save(create_repairdemo_partner(13,'Café "Le Petit" SPRL','info13@company.example.com','Tartu mnt 96','Kelmis','BE',False,dt(2023,10,31,6,26,38),'Très sympa 😀, always pays on time'))
loader.save(create_repairdemo_partner(19,'Mathieu Evers','mathieu.evers19@example.org','Bahnhofstraße 93','',None,True,dt(2023,2,4,14,11,55),'It\'s "complicated" — see notes ✓'))
loader.save(create_repairdemo_partner(27,"Dominique D'Hondt",'dominique.dhondt27@example.org','Bahnhofstraße 114','Aachen','DE',True,dt(2024,6,10,17,20,39),''))

loader.flush_deferred_objects()
